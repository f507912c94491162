// Helpers for the subscription tests: the real app, the real confirmation worker, and readers in each state.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import type { Pool } from '../../src/db/pool.ts';
import type { RunningWorkers, WorkerDefinition } from '../../src/queue/workers.ts';
import { startProcessors } from '../../src/runtime/processors.ts';
import { signToken } from '../../src/security/tokens.ts';
import { confirmationsProcessor } from '../../src/subscriptions/confirmation-mail.ts';
import type { TestContext } from './services.ts';
import type { ReceivedMessage } from './smtp.ts';

/** Under-pressure sampling would shed the first requests of a cold test process; our tests measure behaviour, not load. */
export const SUBSCRIPTION_TEST_ENV = { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' };

export interface RunningApp {
  app: FastifyInstance;
  workers: RunningWorkers;
  close(): Promise<void>;
}

/** The app as `paperboy start` runs it: HTTP routes plus the confirmation worker. */
export async function startApp(context: TestContext): Promise<RunningApp> {
  const app = await buildApp(context.services);
  const workers = startProcessors(context.services, [confirmationsProcessor(context.services) as WorkerDefinition]);
  return {
    app,
    workers,
    async close() {
      await workers.close();
      await app.close();
    },
  };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function subscribeByForm(app: FastifyInstance, fields: Record<string, string>, remoteAddress?: string) {
  return app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: new URLSearchParams(fields).toString(), remoteAddress });
}

export function subscribeByJson(app: FastifyInstance, body: unknown, remoteAddress?: string) {
  return app.inject({
    method: 'POST',
    url: '/subscribe',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
    remoteAddress,
  });
}

export function postForm(app: FastifyInstance, url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, headers: FORM, payload: new URLSearchParams(fields).toString() });
}

/** The confirmation link in a received email (text part). */
export function confirmLinkIn(message: ReceivedMessage): URL {
  const match = /https?:\/\/\S+\/confirm\?token=[A-Za-z0-9._-]+/.exec(message.parsed.text ?? '');
  if (!match) throw new Error('no confirmation link in the email');
  return new URL(match[0]);
}

export function tokenOf(url: URL): string {
  return url.searchParams.get('token')!;
}

/** A reader as links name them: by public id (subscriberByEmail gives it, and publicIdOf in support/digest.ts). */
export interface PublicReader {
  publicId: string;
}

export function confirmTokenFor(context: TestContext, reader: PublicReader, expiresAt = Math.floor(Date.now() / 1000) + 3600): string {
  return signToken(context.services.keys.tokens, { purpose: 'confirm', subscriber: { publicId: reader.publicId }, expiresAt });
}

export function unsubscribeTokenFor(context: TestContext, reader: PublicReader): string {
  return signToken(context.services.keys.tokens, { purpose: 'unsubscribe', subscriber: { publicId: reader.publicId }, expiresAt: 0 });
}

/**
 * A token as releases before migration 021 signed it, naming the row id (`purpose.<id in base 36>.<expiry>`): they
 * are in readers' inboxes and must keep working. Built by hand, so no code of the service can still make one.
 */
export function legacyTokenFor(key: Buffer, purpose: 'confirm' | 'unsubscribe', subscriberId: number, expiresAt = 0): string {
  const payload = `${purpose}.${subscriberId.toString(36)}.${expiresAt.toString(36)}`;
  return `${Buffer.from(payload).toString('base64url')}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

export async function subscriberByEmail(pool: Pool, email: string) {
  const { rows } = await pool.query<{
    id: number;
    publicId: string;
    email: string;
    email_input: string;
    status: string;
    source_ip_hash: string | null;
  }>(
    `SELECT id, replace(public_id::text, '-', '') AS "publicId", email, email_input, status, source_ip_hash FROM subscribers WHERE lower(email) = lower($1)`,
    [email],
  );
  return rows[0];
}

/** The state of every reader and the audit trail (not last_requested_at, which every subscribe request writes on purpose). */
export async function lifecycleSnapshot(pool: Pool): Promise<string> {
  const subscribers = await pool.query(
    'SELECT id, email, status, confirmation_sent_at, confirmed_at, unsubscribed_at, suppressed_at, updated_at FROM subscribers ORDER BY id',
  );
  const events = await pool.query('SELECT id, subscriber_id, status, reason FROM subscriber_events ORDER BY id');
  return JSON.stringify({ subscribers: subscribers.rows, events: events.rows });
}

/** Waits until every queued confirmation has been handled, so "nothing more was sent" can be asserted. */
export async function settleConfirmations(context: TestContext, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Confirmations are queued just after the answer (setImmediate): give that a moment first.
  await new Promise((resolve) => setTimeout(resolve, 150));
  for (;;) {
    const counts = await context.services.queues.confirmations.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((count) => count === 0)) return;
    if (Date.now() > deadline) throw new Error(`confirmations still queued: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
