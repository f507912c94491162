// Amazon SES notifications, delivered by SNS. SNS signs each message with a certificate it hosts; we check the
// certificate's URL is SNS's own, the signature over SNS's canonical string, and that the topic is one we
// subscribed to: any AWS account can get a genuinely signed message for its own topic. Pure: the certificate
// fetch is passed in (and may cache).
import { X509Certificate, createVerify } from 'node:crypto';
import { detailOf, objectOf, parseJsonObject, statusVetoesSuppression, stringOf, type JsonObject, type WebhookEvent } from './event.ts';

export type FetchCertificate = (url: string) => Promise<string>;

export type SesCheck =
  | { ok: true; type: 'notification'; events: WebhookEvent[] }
  /** The route confirms the subscription by GETting this URL (already checked to be SNS's own). */
  | { ok: true; type: 'subscription-confirmation'; subscribeUrl: string; topicArn: string }
  | { ok: true; type: 'unsubscribe-confirmation'; topicArn: string }
  | { ok: false; reason: string };

/** The fields SNS signs, in byte order, per message type (docs: "Verifying the signatures of Amazon SNS messages"). */
const SIGNED_FIELDS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

const ALGORITHMS: Record<string, string> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

/**
 * Permanent bounces SES says are about the address: General (the receiver said so), NoEmail (no such address),
 * Suppressed and OnAccountSuppressionList (SES will not send there, after an earlier hard bounce). Transient and
 * Undetermined bounces never suppress.
 */
const PERMANENT_SUBTYPES: ReadonlySet<string> = new Set(['General', 'NoEmail', 'Suppressed', 'OnAccountSuppressionList']);

/** `https://sns.<region>.amazonaws.com/...`, nothing else: no other host, port, credentials or scheme. */
export function isSnsUrl(value: string | undefined, pathEnd?: string): boolean {
  if (value === undefined) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    /^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$/.test(url.hostname) &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    (pathEnd === undefined || url.pathname.endsWith(pathEnd))
  );
}

/** SNS's canonical string: each signed field present, as `name\nvalue\n`. */
export function snsStringToSign(message: JsonObject): string | null {
  const fields = SIGNED_FIELDS[stringOf(message.Type) ?? ''];
  if (!fields) return null;
  let text = '';
  for (const name of fields) {
    const value = message[name];
    if (value === undefined && name === 'Subject') continue;
    if (typeof value !== 'string') return null;
    text += `${name}\n${value}\n`;
  }
  return text;
}

function signatureMatches(algorithm: string, text: string, certificatePem: string, signature: string): boolean {
  try {
    const { publicKey } = new X509Certificate(certificatePem);
    return createVerify(algorithm).update(text, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

function sesEvents(snsMessageId: string, payload: JsonObject): WebhookEvent[] {
  const type = stringOf(payload.notificationType) ?? stringOf(payload.eventType);
  const base = { provider: 'ses' as const, permanent: false };
  if (type === 'Bounce') {
    const bounce = objectOf(payload.bounce);
    const bounceType = stringOf(bounce?.bounceType);
    const subType = stringOf(bounce?.bounceSubType);
    const feedbackId = stringOf(bounce?.feedbackId) ?? snsMessageId;
    const recipients = Array.isArray(bounce?.bouncedRecipients) ? bounce.bouncedRecipients : [];
    return recipients.flatMap((value: unknown, index): WebhookEvent[] => {
      const recipient = objectOf(value);
      const email = stringOf(recipient?.emailAddress);
      if (email === undefined) return [];
      const status = stringOf(recipient?.status);
      const permanent =
        bounceType === 'Permanent' && subType !== undefined && PERMANENT_SUBTYPES.has(subType) && !statusVetoesSuppression(status);
      return [
        {
          ...base,
          eventId: `${feedbackId}#${index}`,
          email,
          kind: 'bounce',
          permanent,
          detail: detailOf(`${bounceType ?? '?'}/${subType ?? '?'}`, recipient?.diagnosticCode ?? status),
        },
      ];
    });
  }
  if (type === 'Complaint') {
    const complaint = objectOf(payload.complaint);
    const feedbackId = stringOf(complaint?.feedbackId) ?? snsMessageId;
    const recipients = Array.isArray(complaint?.complainedRecipients) ? complaint.complainedRecipients : [];
    return recipients.flatMap((value: unknown, index): WebhookEvent[] => {
      const email = stringOf(objectOf(value)?.emailAddress);
      if (email === undefined) return [];
      return [{ ...base, eventId: `${feedbackId}#${index}`, email, kind: 'complaint', detail: detailOf(complaint?.complaintFeedbackType) }];
    });
  }
  return [{ ...base, eventId: snsMessageId, email: '', kind: 'ignore', detail: detailOf(type) }];
}

export async function verifySesNotification(
  rawBody: string | Buffer,
  options: { topicArns: readonly string[]; fetchCertificate: FetchCertificate },
): Promise<SesCheck> {
  const message = parseJsonObject(rawBody);
  if (!message) return { ok: false, reason: 'body is not a JSON object' };
  const type = stringOf(message.Type);
  const algorithm = ALGORITHMS[stringOf(message.SignatureVersion) ?? ''];
  const certificateUrl = stringOf(message.SigningCertURL);
  const signature = stringOf(message.Signature);
  const topicArn = stringOf(message.TopicArn);
  const messageId = stringOf(message.MessageId);
  const text = snsStringToSign(message);
  if (text === null || messageId === undefined || topicArn === undefined)
    return { ok: false, reason: `not a signed SNS message of a known type` };
  if (algorithm === undefined || signature === undefined) return { ok: false, reason: 'unknown SignatureVersion or no Signature' };
  if (!isSnsUrl(certificateUrl, '.pem')) return { ok: false, reason: 'SigningCertURL is not an https URL on sns.<region>.amazonaws.com' };
  // Before fetching anything: a message for a topic we never subscribed to costs us no request.
  if (!options.topicArns.includes(topicArn)) return { ok: false, reason: 'TopicArn is not one we subscribed to' };
  let certificate: string;
  try {
    certificate = await options.fetchCertificate(certificateUrl!);
  } catch {
    return { ok: false, reason: 'could not fetch the signing certificate' };
  }
  if (!signatureMatches(algorithm, text, certificate, signature)) return { ok: false, reason: 'signature does not match' };

  if (type === 'SubscriptionConfirmation') {
    const subscribeUrl = stringOf(message.SubscribeURL);
    // The route will GET this URL: it must be SNS's, or a signed message could point our server anywhere.
    if (!isSnsUrl(subscribeUrl)) return { ok: false, reason: 'SubscribeURL is not on sns.<region>.amazonaws.com' };
    return { ok: true, type: 'subscription-confirmation', subscribeUrl: subscribeUrl!, topicArn };
  }
  if (type === 'UnsubscribeConfirmation') return { ok: true, type: 'unsubscribe-confirmation', topicArn };
  const payload = parseJsonObject(stringOf(message.Message) ?? '');
  if (!payload) return { ok: false, reason: 'Message is not a JSON SES notification' };
  return { ok: true, type: 'notification', events: sesEvents(messageId, payload) };
}
