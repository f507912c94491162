// Freezes the day's edition: the ranked papers and the rendered templates, in one transaction, once per date.
import type { Env } from '../config/env.ts';
import { loadQueries } from '../db/queries.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import type { EditionPaper } from './digest-view.ts';
import { renderEdition } from './render.ts';
import { pickTrendingPapers, trendingOptionsFrom } from './trending.ts';

const sql = loadQueries('editions.sql', [
  'lock-edition-builds',
  'find-edition-by-date',
  'find-edition-by-id',
  'insert-edition',
  'insert-edition-papers',
  'mark-edition-fanned-out',
  'list-editions',
  'recent-editions-with-open-deliveries',
]);

export interface Edition {
  id: number;
  editionDate: string;
  title: string;
  subject: string;
  papers: EditionPaper[];
  htmlTemplate: string;
  textTemplate: string;
  createdAt: Date;
  fannedOutAt: Date | null;
}

interface EditionRow {
  id: number;
  edition_date: string;
  title: string;
  subject: string;
  papers: EditionPaper[];
  html_template: string;
  text_template: string;
  created_at: Date;
  fanned_out_at: Date | null;
}

const toEdition = (row: EditionRow): Edition => ({
  id: row.id,
  editionDate: row.edition_date,
  title: row.title,
  subject: row.subject,
  papers: row.papers,
  htmlTemplate: row.html_template,
  textTemplate: row.text_template,
  createdAt: row.created_at,
  fannedOutAt: row.fanned_out_at,
});

export async function findEditionByDate(db: Queryable, editionDate: string): Promise<Edition | undefined> {
  const { rows } = await db.query<EditionRow>(sql['find-edition-by-date'], [editionDate]);
  return rows[0] && toEdition(rows[0]);
}

export async function findEditionById(db: Queryable, id: number): Promise<Edition | undefined> {
  const { rows } = await db.query<EditionRow>(sql['find-edition-by-id'], [id]);
  return rows[0] && toEdition(rows[0]);
}

export async function listEditions(db: Queryable, limit = 60): Promise<{ editionDate: string; title: string; paperCount: number }[]> {
  const { rows } = await db.query<{ edition_date: string; title: string; paper_count: number }>(sql['list-editions'], [limit]);
  return rows.map((row) => ({ editionDate: row.edition_date, title: row.title, paperCount: row.paper_count }));
}

export async function markEditionFannedOut(db: Queryable, editionId: number): Promise<void> {
  await db.query(sql['mark-edition-fanned-out'], [editionId]);
}

export async function editionsWithOpenDeliveries(db: Queryable, today: string): Promise<{ id: number; editionDate: string }[]> {
  const { rows } = await db.query<{ id: number; edition_date: string }>(sql['recent-editions-with-open-deliveries'], [today]);
  return rows.map((row) => ({ id: row.id, editionDate: row.edition_date }));
}

/** Freezes ranked papers in their order, keeping only what the email and the archive page show. */
export function snapshotPapers(papers: readonly Omit<EditionPaper, 'rank'>[]): EditionPaper[] {
  return papers.map((paper, index) => ({
    rank: index + 1,
    id: paper.id,
    externalId: paper.externalId,
    title: paper.title,
    abstract: paper.abstract,
    authors: paper.authors,
    url: paper.url,
    codeUrl: paper.codeUrl,
    projectUrl: paper.projectUrl,
    githubStars: paper.githubStars,
    upvotes: paper.upvotes,
    score: paper.score,
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
  return withTransaction(pool, async (client) => {
    await client.query(sql['lock-edition-builds']);
    const raced = await findEditionByDate(client, editionDate);
    if (raced) return { kind: 'existing', edition: raced } as const;
    const trending = await pickTrendingPapers(client, trendingOptionsFrom(env, asOf, env.DIGEST_SIZE));
    if (trending.length === 0) return { kind: 'empty' } as const;
    const papers = snapshotPapers(trending);
    const rendered = await renderEdition(env, editionDate, papers);
    const { rows } = await client.query<{ id: number }>(sql['insert-edition'], [
      editionDate,
      rendered.title,
      rendered.subject,
      JSON.stringify(papers),
      rendered.htmlTemplate,
      rendered.textTemplate,
    ]);
    const id = rows[0]!.id;
    await client.query(sql['insert-edition-papers'], [
      id,
      papers.map((paper) => paper.id),
      papers.map((paper) => paper.rank),
      papers.map((paper) => paper.score),
    ]);
    const edition = await findEditionById(client, id);
    return { kind: 'built', edition: edition! } as const;
  });
}
