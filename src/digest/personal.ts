// Which papers one reader's digest carries, in which order and why: the edition's pool (or the week's, for a
// weekly reader) less what they were sent, ranked by taste (src/digest/taste.ts). Pure.
import type { DigestKit, PoolPaper } from '../db/editions.ts';
import type { StoredTaste } from '../db/reader-settings.ts';
import type { PlacedPaper } from './assemble.ts';
import { hasTaste, rankForReader, type ReaderTaste } from './taste.ts';

/** What personal digests of an edition are made from: its pool and kit, or the week's (pools merged, newest first). */
export interface DigestMaterial {
  pool: PoolPaper[];
  kit: DigestKit;
}

export type PersonalChoice = { kind: 'papers'; papers: PlacedPaper[] } | { kind: 'nothing'; reason: string };

export function tasteOf(stored: StoredTaste): ReaderTaste {
  const text = (paper: StoredTaste['rated'][number]) => ({
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    keywords: paper.keywords,
  });
  return {
    liked: stored.rated.filter((paper) => paper.vote > 0).map(text),
    disliked: stored.rated.filter((paper) => paper.vote < 0).map(text),
    include: stored.settings?.include ?? [],
    exclude: stored.settings?.exclude ?? [],
    onlyTopics: stored.settings?.only ?? false,
    authors: stored.settings?.authors ?? [],
  };
}

export const isWeekly = (stored: StoredTaste) => stored.settings?.frequency === 'weekly';

/**
 * The reader's papers: never one they were sent, excluded topics never, followed authors always when in the
 * pool, at most their size. A line of why on each when taste shaped the list; none when only the size differs.
 */
export function choosePapers(
  pool: readonly PoolPaper[],
  stored: StoredTaste,
  options: { defaultSize: number; tasteWeight: number },
): PersonalChoice {
  const sent = new Set(stored.sent);
  const candidates = pool.filter((paper) => !sent.has(paper.id));
  const taste = tasteOf(stored);
  const ranked = rankForReader(candidates, taste, { size: stored.settings?.size ?? options.defaultSize, tasteWeight: options.tasteWeight });
  if (ranked.length === 0) {
    const reason = taste.onlyTopics ? 'no paper on the reader’s topics today' : 'every candidate was sent to the reader already';
    return { kind: 'nothing', reason };
  }
  const withWhy = hasTaste(taste);
  return { kind: 'papers', papers: ranked.map((entry) => ({ paperId: entry.paper.id, ...(withWhy && { why: entry.why }) })) };
}

/** The week's material: the newest edition's skeleton, every pool's papers once (the newest edition's copy). */
export function mergeMaterial(newestFirst: readonly DigestMaterial[]): DigestMaterial {
  const pool = new Map<number, PoolPaper>();
  const blocks: DigestKit['blocks'] = {};
  for (const material of newestFirst) {
    for (const paper of material.pool) if (!pool.has(paper.id)) pool.set(paper.id, paper);
    for (const [id, block] of Object.entries(material.kit.blocks)) blocks[id] ??= block;
  }
  return { pool: [...pool.values()], kit: { ...newestFirst[0]!.kit, blocks } };
}
