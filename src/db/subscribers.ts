// The subscriber store: the subscription state machine in Postgres. Each transition is one guarded SQL
// statement that also writes its subscriber_events rows (src/db/sql/subscribers.sql); this file names them
// and maps rows to camelCase at this edge.
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'suppressed';

const SQL = loadQueries('subscribers.sql', [
  'request-subscriptions',
  'release-confirmation-claims',
  'subscriber-id-of-public-id',
  'find-subscriber',
  'confirm-subscriber',
  'unsubscribe-subscriber',
  'resubscribe-subscriber',
  'find-confirmation-recipients',
  'mark-confirmation-done',
  'mark-confirmation-bounced',
]);

export interface SubscriptionRequest {
  /** Trimmed, as typed. */
  input: string;
  /** Normalised (src/subscriptions/address.ts). */
  email: string;
  sourceIpHash: string | null;
  /** Why, for the audit trail: 'subscribe form' or 'subscribe api'. */
  reason: string;
  /** erasedAddressKey of the address: an erased reader's suppression is found by it (the API always sets it). */
  erasedKey?: string;
}

/** A confirmation email due to one subscriber: claimed here, queued by the API, sent by a worker. */
export interface ConfirmationClaim {
  subscriberId: number;
  /** Epoch ms of the claim: makes the confirmation's job id and Message-ID stable across retries. */
  claimedAt: number;
}

/**
 * Records a batch of subscription requests in one statement (one commit). Returns, for each request in
 * order, the claim when a confirmation email is due (new address, pending past the resend interval, or
 * unsubscribed starting over) and undefined when nothing is to be sent. An address asked for more than
 * once in the batch gets at most one claim. The statement is prepared: planned once per connection.
 */
export async function requestSubscriptions(
  db: Queryable,
  requests: readonly SubscriptionRequest[],
  resendMinutes: number,
): Promise<(ConfirmationClaim | undefined)[]> {
  if (requests.length === 0) return [];
  const { rows } = await db.query<{ ord: number; subscriber_id: number | null; send_confirmation: boolean; claimed_at: string }>({
    name: 'request-subscriptions',
    text: SQL['request-subscriptions'],
    values: [
      requests.map((request) => request.input),
      requests.map((request) => request.email),
      requests.map((request) => request.sourceIpHash),
      requests.map((request) => request.reason),
      resendMinutes,
      requests.map((request) => request.erasedKey ?? null),
    ],
  });
  const claims = new Array<ConfirmationClaim | undefined>(requests.length).fill(undefined);
  for (const row of rows) {
    if (row.send_confirmation && row.subscriber_id !== null) {
      claims[row.ord - 1] = { subscriberId: row.subscriber_id, claimedAt: Math.round(Number(row.claimed_at)) };
    }
  }
  return claims;
}

/** Frees claimed confirmation slots when the emails could not even be queued. */
export async function releaseConfirmationClaims(db: Queryable, subscriberIds: readonly number[]): Promise<void> {
  if (subscriberIds.length === 0) return;
  await db.query(SQL['release-confirmation-claims'], [subscriberIds]);
}

export interface Subscriber {
  id: number;
  email: string;
  /** As the reader typed it: what their pages show. */
  emailInput: string;
  status: SubscriberStatus;
  suppressed: boolean;
  /** The unsubscribe page may offer one-click Resubscribe (the rule is the SQL function subscriber_can_resubscribe). */
  canResubscribe: boolean;
}

/**
 * The row id of the reader a link or an address of ours names (src/security/public-id.ts): looked up by public id;
 * what was signed before migration 021 carries the row id itself.
 */
export async function subscriberIdOf(db: Queryable, reader: { publicId: string } | { legacyId: number }): Promise<number | undefined> {
  if ('legacyId' in reader) return reader.legacyId;
  const { rows } = await db.query<{ id: number }>(SQL['subscriber-id-of-public-id'], [reader.publicId]);
  return rows[0]?.id;
}

/** `resubscribeWindowDays` decides canResubscribe. */
export async function findSubscriber(db: Queryable, id: number, resubscribeWindowDays: number): Promise<Subscriber | undefined> {
  const { rows } = await db.query<Subscriber>(SQL['find-subscriber'], [id, resubscribeWindowDays]);
  return rows[0];
}

/** What a transition did: `unknown` = no such subscriber; otherwise the status before and whether it changed. */
export type Transition = { kind: 'unknown' } | { kind: 'known'; previous: SubscriberStatus; changed: boolean };

async function transition(db: Queryable, sql: string, params: unknown[]): Promise<Transition> {
  const { rows } = await db.query<{ previous_status: SubscriberStatus; changed: boolean }>(sql, params);
  const row = rows[0];
  return row ? { kind: 'known', previous: row.previous_status, changed: row.changed } : { kind: 'unknown' };
}

/** pending → confirmed (unless suppressed). */
export const confirmSubscriber = (db: Queryable, id: number, reason: string) => transition(db, SQL['confirm-subscriber'], [id, reason]);

/** pending | confirmed → unsubscribed. */
export const unsubscribeSubscriber = (db: Queryable, id: number, reason: string) =>
  transition(db, SQL['unsubscribe-subscriber'], [id, reason]);

/** unsubscribed → confirmed, for a reader who had confirmed and unsubscribed within `windowDays`. */
export const resubscribeSubscriber = (db: Queryable, id: number, windowDays: number, reason: string) =>
  transition(db, SQL['resubscribe-subscriber'], [id, windowDays, reason]);

export interface ConfirmationRecipient {
  id: number;
  /** What names the reader in the email (src/security/public-id.ts). */
  publicId: string;
  email: string;
  status: SubscriberStatus;
  suppressed: boolean;
  /** This claim's email was already accepted (or refused for good) by the SMTP server. */
  done: boolean;
}

/** The recipients of a job's claims, in one query; a subscriber who no longer exists is missing. */
export async function findConfirmationRecipients(
  db: Queryable,
  claims: readonly ConfirmationClaim[],
): Promise<Map<number, ConfirmationRecipient>> {
  const { rows } = await db.query<ConfirmationRecipient>(SQL['find-confirmation-recipients'], [
    claims.map((claim) => claim.subscriberId),
    claims.map((claim) => claim.claimedAt),
  ]);
  return new Map(rows.map((row) => [row.id, row]));
}

/** Records that the SMTP server has given its final answer to the email of this claim. */
export async function markConfirmationDone(db: Queryable, claim: ConfirmationClaim): Promise<void> {
  await db.query(SQL['mark-confirmation-done'], [claim.subscriberId, claim.claimedAt]);
}

/** The SMTP server refused the email of this claim for good: the claim is done and the address suppressed. */
export async function markConfirmationBounced(db: Queryable, claim: ConfirmationClaim, detail: string): Promise<void> {
  await db.query(SQL['mark-confirmation-bounced'], [claim.subscriberId, claim.claimedAt, detail]);
}
