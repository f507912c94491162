// One ingest: parse a listing, load what is valid in one transaction, report what was not.
import type { Pool } from '../db/pool.ts';
import { parseDailyPapers, relistPapers, type RejectedEntry } from './listing.ts';
import { loadPapers } from '../db/papers.ts';

export interface IngestOptions {
  /** The snapshot time (and listing time of papers that have none). */
  observedAt: Date;
  /** Demo only: shift listing times so the newest paper is listed at this moment. */
  relistNewestAt?: Date;
  /** Demo only: the papers are marked demo (never in an edition once real papers exist, never in production). */
  demo?: boolean;
}

export interface IngestSummary {
  format: 'json' | 'jsonl';
  inserted: number;
  updated: number;
  rejected: RejectedEntry[];
  snapshots: number;
}

/** Throws MalformedListingError (nothing loaded) when the text is not a listing at all. */
export async function ingestListing(pool: Pool, text: string, options: IngestOptions): Promise<IngestSummary> {
  const listing = parseDailyPapers(text);
  const papers = options.relistNewestAt ? relistPapers(listing.papers, options.relistNewestAt) : listing.papers;
  const loaded = await loadPapers(pool, papers, options.observedAt, options.demo ?? false);
  return { format: listing.format, ...loaded, rejected: listing.rejected };
}

export function formatIngestSummary(summary: Pick<IngestSummary, 'inserted' | 'updated' | 'rejected'>): string {
  return `inserted ${summary.inserted}, updated ${summary.updated}, rejected ${summary.rejected.length}`;
}

export function formatRejection(rejection: RejectedEntry): string {
  return `rejected ${rejection.where}: ${rejection.reason}`;
}
