// How far an edition has got, read from Postgres (the truth), and how to say it in one line.
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('deliveries.sql', ['edition-progress']);

export interface EditionProgress {
  sent: number;
  failed: number;
  skipped: number;
  /** Queued or sending: not final yet. */
  open: number;
  total: number;
}

export async function editionProgress(db: Queryable, editionId: number): Promise<EditionProgress> {
  const { rows } = await db.query<EditionProgress>(sql['edition-progress'], [editionId]);
  const row = rows[0]!;
  return { sent: row.sent, failed: row.failed, skipped: row.skipped, open: row.open, total: row.total };
}

const count = (value: number) => new Intl.NumberFormat('en-US').format(value);

/** The live line on a terminal: "2026-11-28  12,345 sent · 3 failed · 87,000 left · 1,640 emails/s". */
export function formatProgress(editionDate: string, progress: EditionProgress, emailsPerSecond: number): string {
  return `${editionDate}  ${count(progress.sent)} sent · ${count(progress.failed)} failed · ${count(progress.open)} left · ${count(Math.round(emailsPerSecond))} emails/s`;
}

/** The last line, always printed. `before` is the progress when this run started (a rerun sends nothing new). */
export function formatSummary(editionDate: string, progress: EditionProgress, before: EditionProgress, seconds: number): string {
  const fresh = progress.sent - before.sent;
  const rate = seconds > 0 ? fresh / seconds : 0;
  return (
    `digest ${editionDate}: ${count(progress.sent)} sent (${count(fresh)} this run), ${count(progress.failed)} failed, ` +
    `${count(progress.skipped)} skipped, ${count(progress.open)} left, ${seconds.toFixed(1)} s, ${count(Math.round(rate))} emails/s`
  );
}
