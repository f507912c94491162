// SendGrid's signed event webhook: an ECDSA P-256 signature over the timestamp header followed by the raw body.
// Pure: the key is parsed once from config, the route passes the raw bytes and the two headers.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { detailOf, idOf, objectOf, statusVetoesSuppression, stringOf, type WebhookCheck, type WebhookEvent } from './event.ts';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** The verification key as SendGrid shows it (base64 DER SPKI) or as PEM. Throws on anything else: it is config. */
export function sendgridPublicKey(configured: string): KeyObject {
  const text = configured.trim();
  const key = text.startsWith('-----BEGIN')
    ? createPublicKey(text)
    : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the SendGrid webhook key must be an EC P-256 public key');
  }
  return key;
}

function eventOf(value: unknown): WebhookEvent | null {
  const item = objectOf(value);
  const eventId = idOf(item?.sg_event_id);
  if (!item || eventId === undefined) return null;
  const event: WebhookEvent = {
    provider: 'sendgrid',
    eventId,
    email: stringOf(item.email) ?? '',
    kind: 'ignore',
    permanent: false,
    detail: detailOf(item.status, item.reason),
  };
  if (item.event === 'spamreport') return { ...event, kind: 'complaint' };
  if (item.event === 'bounce') {
    // 'blocked' is SendGrid's word for a refusal about reputation or content, not the mailbox.
    const permanent = (item.type ?? 'bounce') === 'bounce' && !statusVetoesSuppression(stringOf(item.status));
    return { ...event, kind: 'bounce', permanent };
  }
  return event;
}

export function verifySendgridWebhook(
  rawBody: string | Buffer,
  headers: { signature: string | undefined; timestamp: string | undefined },
  publicKey: KeyObject,
): WebhookCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9+/=]{1,200}$/.test(signature)) {
    return { ok: false, reason: 'missing or malformed signature headers' };
  }
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody) : rawBody;
  let valid: boolean;
  try {
    valid = verify(
      'sha256',
      Buffer.concat([Buffer.from(timestamp), body]),
      { key: publicKey, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'signature does not match' };
  let items: unknown;
  try {
    items = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (!Array.isArray(items)) return { ok: false, reason: 'body is not an array of events' };
  // An item without sg_event_id is dropped, not the batch: it is signed, and refusing would make SendGrid resend it all.
  return { ok: true, events: items.map(eventOf).filter((event) => event !== null) };
}
