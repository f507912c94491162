// The papers store: one transaction per ingest batch, set-based (one upsert, one snapshot insert).
import { withTransaction, type Pool } from './pool.ts';
import { loadQueries } from './queries.ts';

/** One paper as paperboy stores it, whatever shape it arrived in. */
export interface PaperInput {
  externalId: string;
  title: string;
  abstract: string;
  /** Names in order (authors Hugging Face shows as hidden included). */
  authors: string[];
  url: string;
  codeUrl: string | null;
  projectUrl: string | null;
  githubStars: number | null;
  thumbnailUrl: string | null;
  numComments: number | null;
  aiSummary: string | null;
  keywords: string[];
  publishedAt: Date | null;
  /** paper.submittedOnDailyAt, else the entry's publishedAt, else paper.publishedAt; null = unknown, the loader keeps what it had. */
  listedAt: Date | null;
  upvotes: number;
}

const sql = loadQueries('papers.sql', ['upsert-papers', 'record-upvote-snapshots', 'remove-demo-papers']);

export interface LoadResult {
  inserted: number;
  updated: number;
  /** Upvote snapshots written (one per paper in the batch). */
  snapshots: number;
}

/**
 * Upserts a batch of papers and records one upvote snapshot per paper, all or nothing.
 * Unchanged papers are not rewritten; their snapshot is still recorded (the history of "no change").
 */
export async function loadPapers(pool: Pool, papers: readonly PaperInput[], observedAt: Date, demo = false): Promise<LoadResult> {
  if (papers.length === 0) return { inserted: 0, updated: 0, snapshots: 0 };
  return withTransaction(pool, async (client) => {
    // The JSON keys are PaperInput's own: the statement's recordset names them (src/db/sql/papers.sql).
    const { rows } = await client.query<{ inserted: number; updated: number }>(sql['upsert-papers'], [
      JSON.stringify(papers),
      observedAt,
      demo,
    ]);
    const snapshots = await client.query(sql['record-upvote-snapshots'], [
      papers.map((paper) => paper.externalId),
      papers.map((paper) => paper.upvotes),
      observedAt,
    ]);
    return { inserted: rows[0]!.inserted, updated: rows[0]!.updated, snapshots: snapshots.rowCount ?? 0 };
  });
}

/** Deletes every demo paper (and its snapshots and edition places); returns how many went. */
export async function removeDemoPapers(pool: Pool): Promise<number> {
  const result = await pool.query(sql['remove-demo-papers']);
  return result.rowCount ?? 0;
}
