// The one shape every provider's bounce and complaint webhooks map to, and the small readers they share.
import { describeReply } from '../refusals.ts';

export type WebhookProvider = 'ses' | 'postmark' | 'mailgun' | 'sendgrid';

export interface WebhookEvent {
  provider: WebhookProvider;
  /** The provider's id for this event, unique per provider: the key that makes a redelivered webhook a no-op. */
  eventId: string;
  /** The recipient, as the provider reports it ('' when an ignored event names none). */
  email: string;
  kind: 'bounce' | 'complaint' | 'ignore';
  /** True only for a bounce that says the mailbox is gone: the one case that suppresses the address. */
  permanent: boolean;
  /** What the provider said, on one line, addresses masked. */
  detail: string;
}

/** Why a webhook was refused, for the log line and the 4xx answer; never the payload itself. */
export type WebhookCheck = { ok: true; events: WebhookEvent[] } | { ok: false; reason: string };

export type JsonObject = Record<string, unknown>;

export function parseJsonObject(raw: string | Buffer): JsonObject | null {
  try {
    const value: unknown = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    return objectOf(value);
  } catch {
    return null;
  }
}

export function objectOf(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A provider's id field, which some send as a number. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

export function detailOf(...texts: unknown[]): string {
  return describeReply(texts.filter((text) => typeof text === 'string' && text.length > 0).join(' '));
}

/**
 * Providers call some refusals hard bounces that our SMTP rules never would: a 4.x.x, or a 5.7.x policy or
 * reputation block (a blocklisted IP, DMARC). When the provider passes the enhanced code on, those do not suppress.
 */
export function statusVetoesSuppression(status: string | undefined): boolean {
  return status !== undefined && /^\s*(4\.|5\.7\.)/.test(status);
}
