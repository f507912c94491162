// Mailgun event webhooks: an HMAC of timestamp and token with our webhook signing key, and a fresh timestamp so a
// captured request cannot be replayed later. Pure: the clock is passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { enhancedStatusOf } from '../refusals.ts';
import {
  detailOf,
  idOf,
  objectOf,
  parseJsonObject,
  statusVetoesSuppression,
  stringOf,
  type WebhookCheck,
  type WebhookEvent,
} from './event.ts';

const MAX_AGE_MS = 5 * 60_000;

/** Mailgun's reasons for a permanent failure that are about its own or the receiver's policy, not the mailbox. */
const POLICY_REASONS: ReadonlySet<string> = new Set(['espblock']);

function signatureMatches(signingKey: string, timestamp: string, token: string, signature: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest();
  return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
}

export function verifyMailgunWebhook(rawBody: string | Buffer, signingKey: string, now: number): WebhookCheck {
  const body = parseJsonObject(rawBody);
  if (!body) return { ok: false, reason: 'body is not a JSON object' };
  const signed = objectOf(body.signature);
  const timestamp = stringOf(signed?.timestamp);
  const token = stringOf(signed?.token);
  const signature = stringOf(signed?.signature);
  if (timestamp === undefined || token === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp) || token.length > 200) {
    return { ok: false, reason: 'missing or malformed signature fields' };
  }
  if (!signatureMatches(signingKey, timestamp, token, signature)) return { ok: false, reason: 'signature does not match' };
  // Checked after the signature, so an unsigned request cannot learn our clock; both directions, for skew.
  if (Math.abs(now - Number(timestamp) * 1000) > MAX_AGE_MS) return { ok: false, reason: 'timestamp more than 5 minutes from now' };

  const data = objectOf(body['event-data']);
  const eventId = idOf(data?.id);
  if (!data || eventId === undefined) return { ok: false, reason: 'no event-data.id' };
  const deliveryStatus = objectOf(data['delivery-status']);
  const message = stringOf(deliveryStatus?.message);
  const event: WebhookEvent = {
    provider: 'mailgun',
    eventId,
    email: stringOf(data.recipient) ?? '',
    kind: 'ignore',
    permanent: false,
    detail: detailOf(deliveryStatus?.code === undefined ? undefined : String(deliveryStatus.code), message, deliveryStatus?.description),
  };
  const eventName = stringOf(data.event);
  if (eventName === 'complained') return { ok: true, events: [{ ...event, kind: 'complaint' }] };
  if (eventName === 'failed') {
    const reason = stringOf(data.reason);
    const permanent =
      data.severity === 'permanent' &&
      !(reason !== undefined && POLICY_REASONS.has(reason)) &&
      !statusVetoesSuppression(enhancedStatusOf(message ?? '') ?? undefined);
    return { ok: true, events: [{ ...event, kind: 'bounce', permanent }] };
  }
  return { ok: true, events: [event] };
}
