// What is trending: one SQL query (src/db/sql/trending.sql), its rows already in camelCase.
import type { PaperInput } from './papers.ts';
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('trending.sql', ['pick-trending-papers']);

/** A stored paper as the digest shows it, with what ranked it. */
export interface TrendingPaper extends Omit<PaperInput, 'listedAt'> {
  id: number;
  upvotesLast24h: number;
  /** Never null once stored. */
  listedAt: Date;
  score: number;
}

export interface TrendingOptions {
  asOf: Date;
  limit: number;
  windowHours: number;
  gravity: number;
  velocityWeight: number;
  /** Demo papers may trend, and only while no real paper exists (default true; false in production). */
  includeDemo?: boolean;
}

/**
 * The top `limit` papers listed within the window before asOf, excluding papers any edition already carried
 * (edition_papers), ordered by score desc, then upvotes desc, then listed_at desc, then external_id.
 */
export async function pickTrendingPapers(db: Queryable, options: TrendingOptions): Promise<TrendingPaper[]> {
  const { rows } = await db.query<TrendingPaper>(sql['pick-trending-papers'], [
    options.asOf,
    options.windowHours,
    options.gravity,
    options.velocityWeight,
    options.limit,
    options.includeDemo ?? true,
  ]);
  return rows;
}
