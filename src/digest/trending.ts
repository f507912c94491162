// What is trending: one SQL query (src/db/sql/trending.sql); this module only passes the parameters.
import type { Env } from '../config/env.ts';
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import type { PaperInput } from '../papers/listing.ts';

const sql = loadQueries('trending.sql', ['pick-trending-papers']);

/** A stored paper as the digest shows it, with what ranked it. */
export interface TrendingPaper extends Pick<
  PaperInput,
  'externalId' | 'title' | 'abstract' | 'authors' | 'url' | 'codeUrl' | 'projectUrl' | 'githubStars' | 'upvotes' | 'publishedAt'
> {
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
}

export function trendingOptionsFrom(env: Env, asOf: Date, limit: number = env.DIGEST_SIZE): TrendingOptions {
  return {
    asOf,
    limit,
    windowHours: env.TRENDING_WINDOW_HOURS,
    gravity: env.TRENDING_GRAVITY,
    velocityWeight: env.TRENDING_VELOCITY_WEIGHT,
  };
}

/**
 * The score the SQL computes, for documentation and tests:
 * (upvotes + velocityWeight × upvotes gained in 24 h) / (age in hours + 2) ^ gravity.
 */
export function trendingScore(
  paper: { upvotes: number; upvotesLast24h: number; ageHours: number },
  options: Pick<TrendingOptions, 'gravity' | 'velocityWeight'>,
): number {
  return (paper.upvotes + options.velocityWeight * paper.upvotesLast24h) / Math.pow(paper.ageHours + 2, options.gravity);
}

interface TrendingRow {
  id: number;
  external_id: string;
  title: string;
  abstract: string;
  authors: string[];
  url: string;
  code_url: string | null;
  project_url: string | null;
  github_stars: number | null;
  upvotes: number;
  upvotes_last_24h: number;
  listed_at: Date;
  published_at: Date | null;
  score: number;
}

/** The top `limit` papers listed within the window before asOf, excluding papers any edition already carried (edition_papers), ordered by score desc, then upvotes desc, then listed_at desc, then external_id. */
export async function pickTrendingPapers(db: Queryable, options: TrendingOptions): Promise<TrendingPaper[]> {
  const { rows } = await db.query<TrendingRow>(sql['pick-trending-papers'], [
    options.asOf,
    options.windowHours,
    options.gravity,
    options.velocityWeight,
    options.limit,
  ]);
  return rows.map((row) => ({
    id: row.id,
    externalId: row.external_id,
    title: row.title,
    abstract: row.abstract,
    authors: row.authors,
    url: row.url,
    codeUrl: row.code_url,
    projectUrl: row.project_url,
    githubStars: row.github_stars,
    upvotes: row.upvotes,
    upvotesLast24h: row.upvotes_last_24h,
    listedAt: row.listed_at,
    publishedAt: row.published_at,
    score: row.score,
  }));
}
