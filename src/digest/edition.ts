// Freezes the day's edition: the ranked papers and the rendered templates, in one transaction, once per date.
import type { Env } from '../config/env.ts';
import {
  EDITION_PAPER_FIELDS,
  findEditionByDate,
  insertEdition,
  lockEditionBuilds,
  type Edition,
  type EditionPaper,
  type PoolPaper,
} from '../db/editions.ts';
import { withTransaction, type Pool } from '../db/pool.ts';
import { pickTrendingPapers, type TrendingPaper } from '../db/trending.ts';
import { renderEdition } from './render.ts';
import { trendingOptionsFrom } from './trending.ts';

/** Freezes ranked papers in their order, keeping only what the email and the archive page show. */
export function snapshotPapers(papers: readonly Pick<TrendingPaper, (typeof EDITION_PAPER_FIELDS)[number]>[]): EditionPaper[] {
  return papers.map((paper, index) => {
    const frozen = { rank: index + 1 } as EditionPaper;
    for (const field of EDITION_PAPER_FIELDS) (frozen as Record<string, unknown>)[field] = paper[field] ?? null;
    return frozen;
  });
}

/** What taste compares of each candidate (src/digest/taste.ts), frozen with the edition. */
export function poolOf(papers: readonly TrendingPaper[]): PoolPaper[] {
  return papers.map((paper) => ({
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    keywords: paper.keywords ?? [],
    authors: paper.authors,
    trendingScore: paper.score,
    upvotes: paper.upvotes,
    upvotesLast24h: paper.upvotesLast24h ?? null,
  }));
}

export type BuildResult = { kind: 'built' | 'existing'; edition: Edition } | { kind: 'empty' };

/**
 * The edition of `editionDate`: the one already frozen, or a new one made of the papers trending at
 * `asOf`. Builds are serialised by an advisory lock, so a concurrent second build finds the first one's
 * edition and reuses it. No trending papers: no edition.
 */
export async function buildEdition(pool: Pool, env: Env, editionDate: string, asOf: Date): Promise<BuildResult> {
  const existing = await findEditionByDate(pool, editionDate);
  if (existing) return { kind: 'existing', edition: existing };
  return withTransaction(pool, async (client): Promise<BuildResult> => {
    await lockEditionBuilds(client);
    const raced = await findEditionByDate(client, editionDate);
    if (raced) return { kind: 'existing', edition: raced };
    // The pool personal digests choose from; the edition's own papers (the shared digest) are its top.
    const trending = await pickTrendingPapers(client, trendingOptionsFrom(env, asOf, Math.max(env.DIGEST_SIZE, env.DIGEST_POOL_SIZE)));
    if (trending.length === 0) return { kind: 'empty' };
    const pool = snapshotPapers(trending);
    const papers = pool.slice(0, env.DIGEST_SIZE);
    const rendered = await renderEdition(env, editionDate, papers, pool);
    await insertEdition(client, {
      editionDate,
      title: rendered.title,
      subject: rendered.subject,
      papers,
      htmlTemplate: rendered.htmlTemplate,
      textTemplate: rendered.textTemplate,
      pool: poolOf(trending),
      kit: rendered.kit,
    });
    return { kind: 'built', edition: (await findEditionByDate(client, editionDate))! };
  });
}
