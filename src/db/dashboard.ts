// Figures for the console's dashboard, /metrics and `paperboy stats`, read from Postgres (src/db/sql/dashboard.sql):
// computed when asked, so they are right whichever process sent the mail.
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('dashboard.sql', [
  'readers-by-day',
  'edition-outcomes',
  'reports-by-day',
  'paused-editions',
  'readers-by-state',
  'deliveries-by-state',
  'smtp-replies-by-class',
  'send-latency',
]);

export interface ReadersOnDay {
  day: string;
  confirmed: number;
  pending: number;
  unsubscribed: number;
  suppressed: number;
}

/** Readers in each state at the end of each of the last `days` days (in `timeZone`), oldest first. */
export async function readersByDay(db: Queryable, days: number, timeZone: string): Promise<ReadersOnDay[]> {
  const { rows } = await db.query<ReadersOnDay>(sql['readers-by-day'], [days, timeZone]);
  return rows;
}

export interface EditionOutcome {
  id: number;
  editionDate: string;
  pausedAt: Date | null;
  sent: number;
  failed: number;
  skipped: number;
  open: number;
  /** First delivery created to last one sent; null before anything was sent. */
  sendSeconds: number | null;
}

export async function editionOutcomes(db: Queryable, limit: number): Promise<EditionOutcome[]> {
  const { rows } = await db.query<EditionOutcome>(sql['edition-outcomes'], [limit]);
  return rows;
}

export interface ReportsOnDay {
  day: string;
  bounces: number;
  complaints: number;
  sent: number;
}

export async function reportsByDay(db: Queryable, days: number, timeZone: string): Promise<ReportsOnDay[]> {
  const { rows } = await db.query<ReportsOnDay>(sql['reports-by-day'], [days, timeZone]);
  return rows;
}

export interface PausedEdition {
  id: number;
  editionDate: string;
  pausedAt: Date;
  reason: string | null;
  attempts: number;
  refusals: number;
}

export async function pausedEditions(db: Queryable): Promise<PausedEdition[]> {
  const { rows } = await db.query<PausedEdition>(sql['paused-editions']);
  return rows;
}

export async function readersByState(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; count: number }>(sql['readers-by-state']);
  const counts: Record<string, number> = { pending: 0, confirmed: 0, unsubscribed: 0, suppressed: 0 };
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}

export async function deliveriesByState(db: Queryable): Promise<{ editionDate: string; status: string; count: number }[]> {
  const { rows } = await db.query<{ editionDate: string; status: string; count: number }>(sql['deliveries-by-state']);
  return rows;
}

export async function smtpRepliesByClass(db: Queryable): Promise<{ class: string; count: number }[]> {
  const { rows } = await db.query<{ class: string; count: number }>(sql['smtp-replies-by-class']);
  return rows;
}

export interface LatencyHistogram {
  count: number;
  sum: number;
  /** Cumulative counts, one per bound asked for. */
  buckets: number[];
}

/** Fan-out to SMTP acceptance of the kept, sent deliveries, counted into `bounds` (seconds, ascending). */
export async function sendLatency(db: Queryable, bounds: readonly number[]): Promise<LatencyHistogram> {
  const { rows } = await db.query<LatencyHistogram>(sql['send-latency'], [bounds]);
  return rows[0]!;
}
