// What an SMTP refusal means for a delivery: try again, suppress this address, or fail this one message.
// Suppressing is forever and a reader cannot undo it, so only a recipient refused at RCPT for a reason
// about their mailbox suppresses; policy, reputation, content and our own mistakes fail the delivery
// and keep the reply, so a blocklisting or a DMARC slip never wipes out a list. Pure: no I/O.

/** Where in the SMTP conversation the server said no. */
export type RefusalStage = 'connect' | 'helo' | 'mail' | 'rcpt' | 'data' | 'unknown';

export interface SmtpReply {
  stage: RefusalStage;
  /** The basic reply code (550), or null when there was no reply (a dropped connection, a timeout). */
  code: number | null;
  /** The RFC 3463 enhanced status code ('5.1.1'), or null when the server sent none. */
  enhanced: string | null;
  /** What the server said, or the local error message. */
  response: string;
}

/** The RFC 3463 subject of an enhanced code (its middle digit), which says what the refusal is about. */
export type RefusalSubject = 'other' | 'address' | 'mailbox' | 'system' | 'network' | 'protocol' | 'content' | 'policy';

export type Refusal =
  /** 4xx, no reply at all, or our own configuration (login, TLS): retried with backoff, never suppressed. */
  | { kind: 'retry'; code: number | null; enhanced: string | null; detail: string }
  /** The recipient's mailbox does not exist or is disabled: the delivery fails and the address is suppressed. */
  | { kind: 'mailbox'; reason: 'hard_bounce'; code: number | null; enhanced: string | null; detail: string }
  /** This message failed for good (policy, content, the server's state): the reply is kept, no one is suppressed. */
  | { kind: 'failed'; subject: RefusalSubject; code: number | null; enhanced: string | null; detail: string };

/**
 * Mailbox unknown (5.1.1), domain unknown (5.1.2), Microsoft's "recipient not found by SMTP address lookup"
 * (5.1.10) and mailbox disabled (5.2.1). Not 5.1.3 (the server disliked the syntax: we validated it), 5.1.6
 * (moved: the reader may still read the old one's forwards), 5.1.7/5.1.8 (about our sender), 5.2.2 (full).
 */
const MAILBOX_STATUSES: ReadonlySet<string> = new Set(['5.1.1', '5.1.2', '5.1.10', '5.2.1']);

/** Without an enhanced code, these basic codes at RCPT mean "no such user" (RFC 5321 4.2.2, 4.2.3). */
const MAILBOX_CODES_AT_RCPT: ReadonlySet<number> = new Set([550, 551, 553]);

const SUBJECTS: readonly RefusalSubject[] = ['other', 'address', 'mailbox', 'system', 'network', 'protocol', 'content', 'policy'];

const MAX_DETAIL_LENGTH = 300;

/** True for the enhanced codes that say the recipient's mailbox is gone, whoever reports it (SMTP, DSN, webhook). */
export function isMailboxStatus(enhanced: string | null | undefined): boolean {
  return typeof enhanced === 'string' && MAILBOX_STATUSES.has(enhanced);
}

/** `alice@example.org` → `a***@e***.org`: replies quote addresses, and they end up in logs and columns. */
export function maskAddresses(text: string): string {
  return text.replace(/[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}\b/g, (address) => {
    const at = address.lastIndexOf('@');
    const domain = address.slice(at + 1);
    const topLevel = domain.slice(domain.lastIndexOf('.') + 1);
    return `${address[0]}***@${domain[0]}***.${topLevel}`;
  });
}

/** What the server said on one line, addresses masked, at most 300 characters (it is stored and logged). */
export function describeReply(response: string): string {
  // Cut before masking too, so a megabyte of "reply" costs nothing; mask before the final cut so no address is half-shown.
  const text = maskAddresses(
    response
      .slice(0, 4 * MAX_DETAIL_LENGTH)
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH - 3)}...` : text;
}

/**
 * The enhanced code right after the basic code on the reply's first line (`550-5.1.1 …`, `550 #5.1.0 …`), or at
 * the start of a reply given without its basic code. Anywhere else a dotted triple is just text.
 */
export function enhancedStatusOf(response: string): string | null {
  const match = /^\s*(?:[245]\d\d[ -])?\s*#?([245])\.(\d{1,3})\.(\d{1,3})(?![.\d])/.exec(response);
  if (!match) return null;
  const [, statusClass, subject, detail] = match;
  return `${statusClass}.${Number(subject)}.${Number(detail)}`;
}

function subjectOf(enhanced: string | null): RefusalSubject {
  if (enhanced === null) return 'other';
  return SUBJECTS[Number(enhanced.split('.')[1])] ?? 'other';
}

export function classifyRefusal(reply: SmtpReply): Refusal {
  const { stage, code, enhanced } = reply;
  const detail = describeReply(reply.response);
  const permanentCode = code !== null && code >= 500 && code < 600;
  // A reply with no code is a local error (a dropped connection, a timeout): never final.
  // RFC 3463 wants the classes to agree; when they do not, the temporary one wins, as suppressing cannot be undone.
  if (!permanentCode || (enhanced !== null && !enhanced.startsWith('5.'))) return { kind: 'retry', code, enhanced, detail };
  if (stage === 'rcpt' && (enhanced === null ? MAILBOX_CODES_AT_RCPT.has(code) : isMailboxStatus(enhanced))) {
    return { kind: 'mailbox', reason: 'hard_bounce', code, enhanced, detail };
  }
  return { kind: 'failed', subject: subjectOf(enhanced), code, enhanced, detail };
}

interface NodemailerErrorFields {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/** Nodemailer names the command that failed ('CONN', 'EHLO', 'MAIL FROM', 'RCPT TO', 'DATA', 'AUTH PLAIN', 'API'…). */
function stageOfCommand(command: unknown): RefusalStage {
  if (typeof command !== 'string') return 'unknown';
  const verb = command.toUpperCase();
  if (verb === 'CONN') return 'connect';
  if (verb === 'EHLO' || verb === 'HELO' || verb === 'LHLO') return 'helo';
  if (verb.startsWith('MAIL')) return 'mail';
  if (verb.startsWith('RCPT')) return 'rcpt';
  if (verb === 'DATA') return 'data';
  return 'unknown';
}

/** Our credentials, our TLS setup, our configuration: someone here fixes it, then every delivery goes out. */
const OUR_OWN_ERRORS: ReadonlySet<string> = new Set(['EAUTH', 'ETLS', 'ECONFIG', 'EREQUIRETLS', 'EOAUTH2']);

/** The reply Nodemailer saw (stage, basic and enhanced code), or a local error's message. */
export function replyFromNodemailerError(error: unknown): SmtpReply {
  const fields: NodemailerErrorFields = typeof error === 'object' && error !== null ? error : {};
  const response =
    typeof fields.response === 'string' && fields.response.length > 0
      ? fields.response
      : typeof fields.message === 'string'
        ? fields.message
        : String(error);
  const code =
    typeof fields.responseCode === 'number' &&
    Number.isInteger(fields.responseCode) &&
    fields.responseCode >= 200 &&
    fields.responseCode < 600
      ? fields.responseCode
      : null;
  const enhanced = typeof fields.response === 'string' ? enhancedStatusOf(fields.response) : null;
  return { stage: stageOfCommand(fields.command), code, enhanced, response };
}

export function refusalFromNodemailerError(error: unknown): Refusal {
  const reply = replyFromNodemailerError(error);
  const localCode = typeof error === 'object' && error !== null ? (error as NodemailerErrorFields).code : undefined;
  // A refused login answers 535 5.7.8, a permanent-looking code about us, not about the reader.
  if (typeof localCode === 'string' && OUR_OWN_ERRORS.has(localCode)) {
    return { kind: 'retry', code: reply.code, enhanced: reply.enhanced, detail: describeReply(reply.response) };
  }
  return classifyRefusal(reply);
}
