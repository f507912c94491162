// Postmark bounce and spam-complaint webhooks, authenticated by the HTTP basic credentials we configured on them.
// Pure: the route passes the raw body and the Authorization header.
import { secretsEqual } from '../../security/secrets.ts';
import { detailOf, idOf, parseJsonObject, stringOf, type WebhookCheck, type WebhookEvent } from './event.ts';

export interface PostmarkCredentials {
  username: string;
  password: string;
}

/** Types that say the address itself is bad; Postmark deactivates these too. The rest (SoftBounce, Transient, DnsError, Blocked…) do not suppress. */
const PERMANENT_TYPES: ReadonlySet<string> = new Set(['HardBounce', 'BadEmailAddress']);

function credentialsMatch(authorization: string | undefined, expected: PostmarkCredentials): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  // Compared whole, so neither the username nor the password can be found out one at a time.
  return secretsEqual(given, `${expected.username}:${expected.password}`);
}

/**
 * Postmark sends its int64 IDs as JSON numbers, which lose digits past 2^53 in JSON.parse; the digits are read from
 * the raw body when it holds exactly one top-level-looking `"ID"`.
 */
function eventIdOf(raw: string, parsed: unknown): string | undefined {
  const safe = idOf(parsed);
  if (safe !== undefined) return safe;
  const matches = [...raw.matchAll(/"ID"\s*:\s*(\d{1,20})\b/g)];
  return matches.length === 1 ? matches[0]![1] : undefined;
}

export function verifyPostmarkWebhook(
  rawBody: string | Buffer,
  authorization: string | undefined,
  expected: PostmarkCredentials,
): WebhookCheck {
  if (!credentialsMatch(authorization, expected)) return { ok: false, reason: 'wrong or missing basic auth credentials' };
  const raw = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const body = parseJsonObject(raw);
  if (!body) return { ok: false, reason: 'body is not a JSON object' };
  const recordType = stringOf(body.RecordType);
  const eventId = eventIdOf(raw, body.ID) ?? stringOf(body.MessageID);
  if (recordType === undefined || eventId === undefined) return { ok: false, reason: 'no RecordType or ID' };
  const email = stringOf(body.Email) ?? stringOf(body.Recipient) ?? '';
  const type = stringOf(body.Type);
  const event: WebhookEvent = {
    provider: 'postmark',
    eventId,
    email,
    kind: 'ignore',
    permanent: false,
    detail: detailOf(type, body.Description, body.Details),
  };
  if (recordType === 'SpamComplaint' || (recordType === 'Bounce' && type === 'SpamComplaint')) {
    return { ok: true, events: [{ ...event, kind: 'complaint' }] };
  }
  if (recordType === 'Bounce') {
    if (email === '') return { ok: false, reason: 'bounce without an Email' };
    return { ok: true, events: [{ ...event, kind: 'bounce', permanent: type !== undefined && PERMANENT_TYPES.has(type) }] };
  }
  return { ok: true, events: [event] };
}
