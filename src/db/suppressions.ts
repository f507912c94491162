// The suppressions store: who is never mailed again and why, lifted only by hand (src/db/sql/suppressions.sql).
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('suppressions.sql', [
  'list-suppressions',
  'find-suppression',
  'lift-suppression',
  'suppress-subscriber',
  'subscriber-of-delivery',
  'subscriber-by-email',
  'remember-webhook-event',
  'forget-webhook-event',
]);

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'manual';

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  detail: string | null;
  createdAt: Date;
  /** The subscriber's status, when one has this address. */
  subscriberStatus: string | null;
}

export async function listSuppressions(db: Queryable, reason?: string): Promise<Suppression[]> {
  const { rows } = await db.query<Suppression>(sql['list-suppressions'], [reason ?? null]);
  return rows;
}

export async function findSuppression(db: Queryable, email: string): Promise<Omit<Suppression, 'subscriberStatus'> | undefined> {
  const { rows } = await db.query<Omit<Suppression, 'subscriberStatus'>>(sql['find-suppression'], [email]);
  return rows[0];
}

/** Lifts the suppression of `email`; undefined when there was none. */
export async function liftSuppression(
  db: Queryable,
  email: string,
  options: { forced: boolean; reason: string },
): Promise<{ reason: SuppressionReason; subscriberStatus: string | null } | undefined> {
  const { rows } = await db.query<{ reason: SuppressionReason; subscriberStatus: string | null }>(sql['lift-suppression'], [
    email,
    options.forced,
    options.reason,
  ]);
  return rows[0];
}

/** Suppresses one subscriber (a bounce or complaint report, or the operator: 'manual'); false when nothing changed (already so, or no such subscriber). */
export async function suppressSubscriber(
  db: Queryable,
  subscriberId: number | string,
  suppression: { reason: SuppressionReason; detail: string; event: string },
): Promise<boolean> {
  const { rows } = await db.query<{ changed: boolean }>(sql['suppress-subscriber'], [
    subscriberId,
    suppression.reason,
    suppression.detail,
    suppression.event,
  ]);
  return rows[0]?.changed ?? false;
}

export async function subscriberOfDelivery(db: Queryable, deliveryId: number | string): Promise<number | undefined> {
  const { rows } = await db.query<{ subscriberId: number }>(sql['subscriber-of-delivery'], [deliveryId]);
  return rows[0]?.subscriberId;
}

export async function subscriberIdByEmail(db: Queryable, email: string): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(sql['subscriber-by-email'], [email]);
  return rows[0]?.id;
}

/** True the first time this provider's event id is seen; false for a replay. */
export async function rememberWebhookEvent(db: Queryable, provider: string, eventId: string): Promise<boolean> {
  const { rows } = await db.query(sql['remember-webhook-event'], [provider, eventId]);
  return rows.length > 0;
}

export async function forgetWebhookEvent(db: Queryable, provider: string, eventId: string): Promise<void> {
  await db.query(sql['forget-webhook-event'], [provider, eventId]);
}
