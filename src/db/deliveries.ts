// The deliveries store: one row per (edition, subscriber), the record that makes "never twice, never lost"
// checkable. Postgres is the truth; the queue only carries ids.
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('deliveries.sql', [
  'due-candidates-page',
  'create-deliveries',
  'open-deliveries-page',
  'claim-deliveries',
  'record-sent',
  'record-deferred',
  'record-failed',
  'record-skipped',
  'record-bounced',
  'edition-progress',
]);

/** A confirmed reader who may be due, with what they saved (all null: nothing saved). */
export interface DueCandidate {
  id: number;
  frequency: 'daily' | 'weekly' | null;
  weekday: number | null;
  hour: number | null;
  timeZone: string | null;
}

export interface CandidateFilter {
  /** A day's run: every confirmed reader is a candidate. */
  everyone: boolean;
  /** Readers without settings are due (their hour is the digest's). */
  defaultDue: boolean;
  /** Readers whose saved UTC bucket is one of these. */
  buckets: readonly number[];
}

/** One keyset page of confirmed readers (after `afterSubscriberId`) who may be due in a run. */
export async function dueCandidatesPage(
  db: Queryable,
  page: { afterSubscriberId: number; pageSize: number; filter: CandidateFilter },
): Promise<DueCandidate[]> {
  const { filter } = page;
  const { rows } = await db.query<DueCandidate>(sql['due-candidates-page'], [
    page.afterSubscriberId,
    page.pageSize,
    filter.everyone,
    filter.defaultDue,
    filter.buckets,
  ]);
  return rows;
}

/** Every confirmed reader is a candidate (a day's run). */
export const EVERY_READER: CandidateFilter = { everyone: true, defaultDue: true, buckets: [] };

/** Delivery rows for these readers (`host`: the Message-ID's host part); the new rows' ids, ascending. */
export async function createDeliveries(
  db: Queryable,
  rows: { editionId: number; editionDate: string; subscriberIds: readonly number[]; host: string },
): Promise<number[]> {
  if (rows.subscriberIds.length === 0) return [];
  const { rows: created } = await db.query<{ id: number }>(sql['create-deliveries'], [
    rows.editionId,
    rows.subscriberIds,
    rows.editionDate,
    rows.host,
  ]);
  return created.map((row) => row.id).sort((a, b) => a - b);
}

/** Ids of the edition's deliveries not final yet (queued or sending) after `afterId`, ascending. */
export async function openDeliveriesPage(db: Queryable, editionId: number, afterId: number, pageSize: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(sql['open-deliveries-page'], [editionId, afterId, pageSize]);
  return rows.map((row) => row.id);
}

export interface ClaimedDelivery {
  id: number;
  subscriberId: number;
  /** What names the reader outside: links, the unsubscribe mailto, the VERP tag. */
  publicId: string;
  email: string;
  messageId: string;
}

/**
 * Takes a batch's deliveries for sending (queued ones, and 'sending' ones this claim held before, or whose
 * claim is older than `staleClaimSeconds`); readers no longer wanted are marked skipped in the same statement.
 */
export async function claimDeliveries(
  db: Queryable,
  deliveryIds: readonly number[],
  claimToken: string,
  staleClaimSeconds: number,
): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimedDelivery>(sql['claim-deliveries'], [deliveryIds, claimToken, staleClaimSeconds]);
  return rows;
}

export interface SentDelivery {
  id: number;
  response: string;
  sentAt: Date;
  /**
   * A personal digest's papers, recorded in sent_papers. Undefined: the edition's shared digest, whose papers are
   * its edition_papers (the delivery row says so; nothing more is written).
   */
  paperIds?: readonly number[] | undefined;
}

/** Marks the deliveries sent, with the server's answer and what they carried: one statement for the whole batch. */
export async function recordSent(db: Queryable, sent: readonly SentDelivery[]): Promise<void> {
  const deliveryOfPaper = sent.flatMap((row) => (row.paperIds ?? []).map(() => row.id));
  await db.query(sql['record-sent'], [
    sent.map((row) => row.id),
    sent.map((row) => row.response),
    sent.map((row) => row.sentAt),
    deliveryOfPaper,
    sent.flatMap((row) => row.paperIds ?? []),
    sent.map((row) => row.paperIds !== undefined),
  ]);
}

export interface DeliveryError {
  id: number;
  detail: string;
}

const idsAndDetails = (errors: readonly DeliveryError[]) => [errors.map((error) => error.id), errors.map((error) => error.detail)];

/** A temporary failure (4xx, connection): back to queued for the job's next attempt. */
export async function recordDeferred(db: Queryable, errors: readonly DeliveryError[]): Promise<void> {
  if (errors.length > 0) await db.query(sql['record-deferred'], idsAndDetails(errors));
}

/** Failed for good, nobody suppressed (out of attempts, or the message could not be built). */
export async function recordFailed(db: Queryable, errors: readonly DeliveryError[]): Promise<void> {
  if (errors.length > 0) await db.query(sql['record-failed'], idsAndDetails(errors));
}

/** Nothing to send (no paper on the reader's topics today): skipped, with the reason. */
export async function recordSkipped(db: Queryable, skipped: readonly DeliveryError[]): Promise<void> {
  if (skipped.length > 0) await db.query(sql['record-skipped'], idsAndDetails(skipped));
}

/** A permanent refusal of the address: the delivery failed and the address is never mailed again. */
export async function recordBounced(db: Queryable, errors: readonly DeliveryError[]): Promise<void> {
  if (errors.length > 0) await db.query(sql['record-bounced'], idsAndDetails(errors));
}

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
