// Reports that come back to our bounce and feedback addresses: delivery status notifications (RFC 3464) and
// spam complaints in the Abuse Reporting Format (RFC 5965). Anything else, and anything broken, is 'other':
// a stranger can send this address anything, so parsing never throws and never guesses. Pure: no I/O.
import { simpleParser, type Attachment, type HeaderValue } from 'mailparser';
import { describeReply, isMailboxStatus } from './refusals.ts';

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface DsnRecipient {
  /** The address the reporting MTA tried last (after any forwarding). */
  finalRecipient: string;
  /** The address as we sent it, when the MTA kept it: the one to suppress if it differs. */
  originalRecipient?: string;
  action: DsnAction;
  /** The RFC 3463 status code, e.g. '5.1.1'. */
  status: string;
  /** The remote server's reply on one line, addresses masked, or null when the report gives none. */
  diagnostic: string | null;
}

export type FeedbackType = 'abuse' | 'fraud' | 'virus' | 'other' | 'not-spam' | 'auth-failure';

export type InboundReport =
  | { kind: 'dsn'; recipients: DsnRecipient[]; originalMessageId?: string; originalEnvelopeSender?: string }
  | { kind: 'complaint'; feedbackType: FeedbackType; originalRecipient?: string; originalMessageId?: string; originalMailFrom?: string }
  | { kind: 'other' };

export interface BounceDecision {
  /** Failed for a mailbox reason (5.1.1, 5.1.2, 5.1.10, 5.2.1): suppress the address. */
  suppress: DsnRecipient[];
  /** Failed for any other reason (policy, full, content): the delivery failed, no one is suppressed. */
  failed: DsnRecipient[];
  /** Still being retried by the remote MTA: nothing to do yet. */
  delayed: DsnRecipient[];
}

const ACTIONS: readonly DsnAction[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];
const FEEDBACK_TYPES: readonly FeedbackType[] = ['abuse', 'fraud', 'virus', 'other', 'not-spam', 'auth-failure'];
const EMBEDDED_MESSAGE_TYPES: readonly string[] = ['message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers'];

type Fields = Map<string, string>;

/** Header-style fields (`Name: value`, folded lines joined), lower-case names, the first of each name kept. */
function parseFields(block: string): Fields {
  const fields: Fields = new Map();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
  }
  return fields;
}

/** A delivery-status body: groups of fields separated by blank lines, the first about the message. */
function parseFieldGroups(text: string): Fields[] {
  return text
    .split(/\r?\n(?:[ \t]*\r?\n)+/)
    .map(parseFields)
    .filter((group) => group.size > 0);
}

/** `rfc822; alice@example.org` → `alice@example.org` (the address type is dropped). */
function typedValue(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const value = (field.includes(';') ? field.slice(field.indexOf(';') + 1) : field).trim();
  return value.length > 0 ? value : undefined;
}

/** The one address in `Name <a@b>`, `<a@b>` or `a@b`; undefined for none or several. */
function singleAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const addresses = value.match(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g) ?? [];
  return addresses.length === 1 ? addresses[0] : undefined;
}

/** `<id@host>` as we store Message-IDs, however the report wrote it. */
function messageIdOf(value: string | undefined): string | undefined {
  const match = value === undefined ? null : /<?([^\s<>]+@[^\s<>]+)>?/.exec(value);
  return match ? `<${match[1]}>` : undefined;
}

function parseRecipient(group: Fields): DsnRecipient | null {
  const finalRecipient = singleAddress(typedValue(group.get('final-recipient')));
  const action = group.get('action')?.toLowerCase().split(/[\s(]/)[0] as DsnAction | undefined;
  const status = /^([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(group.get('status') ?? '');
  if (finalRecipient === undefined || action === undefined || !ACTIONS.includes(action) || !status) return null;
  const originalRecipient = singleAddress(typedValue(group.get('original-recipient')));
  const diagnostic = typedValue(group.get('diagnostic-code'));
  return {
    finalRecipient,
    ...(originalRecipient !== undefined && originalRecipient !== finalRecipient ? { originalRecipient } : {}),
    action,
    status: `${status[1]}.${Number(status[2])}.${Number(status[3])}`,
    diagnostic: diagnostic === undefined ? null : describeReply(diagnostic),
  };
}

function structured(value: HeaderValue | undefined): { value: string; params: Partial<Record<string, string>> } | null {
  if (typeof value !== 'object' || value === null || !('params' in value) || typeof value.value !== 'string') return null;
  const params: Partial<Record<string, string>> = {};
  for (const [name, param] of Object.entries(value.params as object)) if (typeof param === 'string') params[name.toLowerCase()] = param;
  return { value: value.value.toLowerCase(), params };
}

/**
 * The header block of the original message inside the report, read from the raw message: mailparser merges an
 * inline `message/rfc822` part (as ARF reports send it) into the text, so its headers are not to be had from it.
 */
function embeddedHeaders(raw: string, boundary: string | undefined): Fields | null {
  if (boundary === undefined) return null;
  for (const part of topLevelParts(raw, boundary)) {
    const headers = parseFields(part.headers);
    const type = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
    if (!EMBEDDED_MESSAGE_TYPES.includes(type)) continue;
    // RFC 2046 forbids encoding message/rfc822, but text/rfc822-headers may come in base64.
    const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
    const body = encoding === 'base64' ? Buffer.from(part.body, 'base64').toString('utf8') : part.body;
    return parseFields(headerBlock(body));
  }
  return null;
}

function headerBlock(message: string): string {
  const end = message.search(/\r?\n[ \t]*\r?\n/);
  return end < 0 ? message : message.slice(0, end);
}

/** The parts of one multipart body, each split into its header block and body. A truncated last part is kept. */
function topLevelParts(raw: string, boundary: string): { headers: string; body: string }[] {
  const parts: { headers: string; body: string }[] = [];
  let current: string[] | null = null;
  for (const line of raw.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    const closes = trimmed === `--${boundary}--`;
    if (closes || trimmed === `--${boundary}`) {
      if (current) parts.push(splitPart(current.join('\n')));
      current = [];
      if (closes) return parts;
    } else if (current) {
      current.push(line);
    }
  }
  if (current) parts.push(splitPart(current.join('\n')));
  return parts;
}

function splitPart(part: string): { headers: string; body: string } {
  const end = part.search(/\n[ \t]*\n/);
  return end < 0 ? { headers: part, body: '' } : { headers: part.slice(0, end), body: part.slice(end).replace(/^\s*\n/, '') };
}

function parseDsn(raw: string, boundary: string | undefined, attachments: Attachment[]): InboundReport {
  const status = attachments.find((attachment) => attachment.contentType.toLowerCase() === 'message/delivery-status');
  const [perMessage, ...perRecipient] = status ? parseFieldGroups(status.content.toString('utf8')) : [];
  const recipients = perRecipient.map(parseRecipient).filter((recipient) => recipient !== null);
  const original = embeddedHeaders(raw, boundary);
  // Gmail names the original in the report itself; Postfix names our envelope sender there.
  const originalMessageId = messageIdOf(original?.get('message-id') ?? perMessage?.get('x-original-message-id'));
  const originalEnvelopeSender = singleAddress(original?.get('return-path') ?? typedValue(perMessage?.get('x-postfix-sender')));
  return {
    kind: 'dsn',
    recipients,
    ...(originalMessageId !== undefined ? { originalMessageId } : {}),
    ...(originalEnvelopeSender !== undefined ? { originalEnvelopeSender } : {}),
  };
}

function parseComplaint(raw: string, boundary: string | undefined, attachments: Attachment[]): InboundReport {
  const report = attachments.find((attachment) => attachment.contentType.toLowerCase() === 'message/feedback-report');
  if (!report) return { kind: 'other' };
  const fields = parseFields(report.content.toString('utf8'));
  const claimedType = fields.get('feedback-type')?.toLowerCase() as FeedbackType | undefined;
  // RFC 5965 3.1: unknown feedback types are treated as "other".
  const feedbackType = claimedType !== undefined && FEEDBACK_TYPES.includes(claimedType) ? claimedType : 'other';
  const original = embeddedHeaders(raw, boundary);
  // Some receivers (AOL) redact the recipient; our VERP envelope sender still names the delivery.
  const originalRecipient = singleAddress(fields.get('original-rcpt-to') ?? original?.get('to'));
  const originalMessageId = messageIdOf(original?.get('message-id'));
  const originalMailFrom = singleAddress(fields.get('original-mail-from') ?? original?.get('return-path'));
  return {
    kind: 'complaint',
    feedbackType,
    ...(originalRecipient !== undefined ? { originalRecipient } : {}),
    ...(originalMessageId !== undefined ? { originalMessageId } : {}),
    ...(originalMailFrom !== undefined ? { originalMailFrom } : {}),
  };
}

/** What an inbound email to our bounce or feedback address reports. Never throws: garbage is 'other'. */
export async function parseInboundReport(raw: Buffer | string): Promise<InboundReport> {
  try {
    const parsed = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
    const contentType = structured(parsed.headers.get('content-type'));
    if (contentType?.value !== 'multipart/report') return { kind: 'other' };
    const reportType = contentType.params['report-type']?.toLowerCase();
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    const boundary = contentType.params.boundary;
    if (reportType === 'delivery-status') return parseDsn(text, boundary, parsed.attachments);
    if (reportType === 'feedback-report') return parseComplaint(text, boundary, parsed.attachments);
    return { kind: 'other' };
  } catch {
    return { kind: 'other' };
  }
}

/** Which recipients of a DSN to suppress, which failed for other reasons, which are only delayed. */
export function bounceDecision(report: InboundReport): BounceDecision {
  const decision: BounceDecision = { suppress: [], failed: [], delayed: [] };
  if (report.kind !== 'dsn') return decision;
  for (const recipient of report.recipients) {
    if (recipient.action === 'delayed') decision.delayed.push(recipient);
    else if (recipient.action !== 'failed') continue;
    // A "failed" with a 4.x.x status is a remote MTA giving up on a temporary problem: not the mailbox.
    else if (isMailboxStatus(recipient.status)) decision.suppress.push(recipient);
    else decision.failed.push(recipient);
  }
  return decision;
}
