// Loading papers into Postgres: one transaction per batch, set-based (one upsert, one snapshot insert).
import { withTransaction, type Pool } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import type { PaperInput } from './listing.ts';

const sql = loadQueries('papers.sql', ['upsert-papers', 'record-upvote-snapshots', 'count-papers']);

export interface LoadResult {
  inserted: number;
  updated: number;
  /** Upvote snapshots written (one per paper in the batch). */
  snapshots: number;
}

function toRow(paper: PaperInput) {
  return {
    external_id: paper.externalId,
    title: paper.title,
    abstract: paper.abstract,
    authors: paper.authors,
    url: paper.url,
    code_url: paper.codeUrl,
    project_url: paper.projectUrl,
    github_stars: paper.githubStars,
    thumbnail_url: paper.thumbnailUrl,
    num_comments: paper.numComments,
    ai_summary: paper.aiSummary,
    keywords: paper.keywords,
    published_at: paper.publishedAt?.toISOString() ?? null,
    listed_at: paper.listedAt?.toISOString() ?? null,
    upvotes: paper.upvotes,
  };
}

/**
 * Upserts a batch of papers and records one upvote snapshot per paper, all or nothing.
 * Unchanged papers are not rewritten; their snapshot is still recorded (the history of "no change").
 */
export async function loadPapers(pool: Pool, papers: PaperInput[], observedAt: Date): Promise<LoadResult> {
  if (papers.length === 0) return { inserted: 0, updated: 0, snapshots: 0 };
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ inserted: number; updated: number }>(sql['upsert-papers'], [
      JSON.stringify(papers.map(toRow)),
      observedAt,
    ]);
    const snapshots = await client.query(sql['record-upvote-snapshots'], [
      papers.map((paper) => paper.externalId),
      papers.map((paper) => paper.upvotes),
      observedAt,
    ]);
    return { inserted: rows[0]!.inserted, updated: rows[0]!.updated, snapshots: snapshots.rowCount ?? 0 };
  });
}

export async function countPapers(pool: Pick<Pool, 'query'>): Promise<{ papers: number; snapshots: number }> {
  const { rows } = await pool.query<{ papers: number; snapshots: number }>(sql['count-papers']);
  return rows[0]!;
}
