// Readers' own settings and ratings. What the settings mean is src/subscriptions/preferences.ts.
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

/** A reader's settings (what they mean and how they are checked: src/subscriptions/preferences.ts). */
export interface ReaderSettings {
  frequency: 'daily' | 'weekly';
  /** 1 = Monday … 7 = Sunday (weekly readers). */
  weekday: number;
  size: number;
  /** 0–23 in timeZone. */
  hour: number;
  timeZone: string;
  topics: { include: string[]; exclude: string[]; only: boolean };
  authors: string[];
}

const sql = loadQueries('reader-settings.sql', [
  'find-reader-settings',
  'save-reader-settings',
  'record-rating',
  'undo-rating',
  'find-paper-title',
  'reader-tastes',
  'prune-sent-papers',
]);

/** The reader's saved settings; undefined when they never saved any. */
export async function findReaderSettings(db: Queryable, subscriberId: number): Promise<ReaderSettings | undefined> {
  const { rows } = await db.query<ReaderSettings>(sql['find-reader-settings'], [subscriberId]);
  return rows[0];
}

/** Saves all of them; `utcHour` is the hourly run's bucket. False when the subscriber does not exist. */
export async function saveReaderSettings(db: Queryable, subscriberId: number, settings: ReaderSettings, utcHour: number): Promise<boolean> {
  const { rowCount } = await db.query(sql['save-reader-settings'], [
    subscriberId,
    settings.frequency,
    settings.weekday,
    settings.size,
    settings.hour,
    settings.timeZone,
    settings.topics.include,
    settings.topics.exclude,
    settings.topics.only,
    settings.authors,
    utcHour,
  ]);
  return (rowCount ?? 0) > 0;
}

export type RatingVote = 1 | -1;

/** False when the paper or the reader no longer exists. */
export async function recordRating(db: Queryable, subscriberId: number, paperId: number, vote: RatingVote): Promise<boolean> {
  const { rowCount } = await db.query(sql['record-rating'], [subscriberId, paperId, vote]);
  return (rowCount ?? 0) > 0;
}

export async function undoRating(db: Queryable, subscriberId: number, paperId: number, vote: RatingVote): Promise<void> {
  await db.query(sql['undo-rating'], [subscriberId, paperId, vote]);
}

export async function findPaperTitle(db: Queryable, paperId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ title: string }>(sql['find-paper-title'], [paperId]);
  return rows[0]?.title;
}

export interface RatedPaper {
  id: number;
  title: string;
  abstract: string;
  keywords: string[];
  vote: RatingVote;
}

/** What makes a reader's digest their own (none of it: the shared digest, and no row here). */
export interface StoredTaste {
  subscriberId: number;
  settings: {
    frequency: 'daily' | 'weekly';
    size: number;
    include: string[];
    exclude: string[];
    only: boolean;
    authors: string[];
  } | null;
  rated: RatedPaper[];
  /** Candidates the reader was sent already. */
  sent: number[];
}

/** The batch's readers whose digest is their own, one set-based statement. */
export async function readerTastes(
  db: Queryable,
  subscriberIds: readonly number[],
  candidateIds: readonly number[],
): Promise<StoredTaste[]> {
  if (subscriberIds.length === 0) return [];
  const { rows } = await db.query<StoredTaste & { sent: (number | string)[] }>(sql['reader-tastes'], [subscriberIds, candidateIds]);
  return rows.map((row) => ({ ...row, sent: row.sent.map(Number) }));
}

/** Forgets what was sent longer ago than `hours`; the number of rows removed. */
export async function pruneSentPapers(db: Queryable, hours: number): Promise<number> {
  const { rowCount } = await db.query(sql['prune-sent-papers'], [hours]);
  return rowCount ?? 0;
}
