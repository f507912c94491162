// Builds each reader's digest as raw MIME from parts encoded once per edition. The per-recipient work
// is a few header lines and the quoted-printable encoding of one URL; everything else is string reuse.
import { createHash } from 'node:crypto';
import { encodeWords, foldLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs/index.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp/index.js';
import { escapeHtml } from '../text/html.ts';
import { domainOf, parseMailbox, type Mailbox } from './address.ts';
import type { DkimSigner, SharedLines } from './dkim.ts';

export interface DigestTemplate {
  editionDate: string;
  subject: string;
  htmlTemplate: string;
  textTemplate: string;
}

export interface DigestSender {
  /** The From header, e.g. `Paperboy <digest@example.org>`. */
  from: string;
  /** Gmail's feedback loop groups complaints by this (`Feedback-ID: <edition>:digest:<host>:paperboy`). */
  feedbackId?: string;
}

export interface DigestRecipient {
  email: string;
  messageId: string;
  unsubscribeUrl: string;
  /** The reader's value of any other `%%PAPERBOY_…%%` slot of the templates (their preferences and rating links). */
  slot?: (name: string) => string;
  /** This reader's unsubscribe address (List-Unsubscribe mailto:); none when no receiver reads it. */
  unsubscribeMailto?: string;
}

export interface DigestMessageFactory {
  /** The envelope sender (bare address of From). */
  readonly envelopeFrom: string;
  /** Whether `build` returns messages already DKIM-signed (the SMTP pool must not sign them again). */
  readonly dkimSigned: boolean;
  /** Throws if the address cannot go in a header, or if signing fails: nothing unsigned leaves when DKIM is on. */
  build(recipient: DigestRecipient, date?: Date): string;
}

const CRLF = '\r\n';
const LINE = 76;

function encodeMailbox({ name, address }: Mailbox): string {
  if (!name) return address;
  const display = isPlainText(name) ? (/[^\w !#$%&'*+\-/=?^`{|}~]/.test(name) ? quoteString(name) : name) : encodeWords(name, 'Q', 52);
  return `${display} <${address}>`;
}

/** A line break in a value (a paper title in Subject) would start a header of its own: it becomes a space. */
function header(name: string, value: string): string {
  return foldLines(`${name}: ${value.replace(/[\r\n]+/g, ' ')}`, LINE) + CRLF;
}

/** RFC 5322 date, e.g. "Sat, 28 Nov 2026 07:00:00 +0000". */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** The per-reader slots of a digest's templates besides the unsubscribe placeholder: `%%PAPERBOY_NAME%%`. */
export const SLOT_PATTERN = /%%PAPERBOY_[A-Z0-9_]+%%/g;

/** A template cut at its slots: `segments[0] + value(slots[0]) + segments[1] + …`; segments QP-encoded once. */
export interface EncodedTemplate {
  segments: string[];
  slots: string[];
}

/**
 * Cuts a template at `placeholder` and every other slot, and encodes each literal piece as quoted-printable once.
 * Every piece ends with a soft line break, so a per-recipient piece can be encoded alone and slotted between.
 */
export function encodeTemplate(template: string, placeholder: string): EncodedTemplate {
  const normalised = template.replace(/\r?\n/g, CRLF);
  const escaped = placeholder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`${escaped}|${SLOT_PATTERN.source}`, 'g');
  const segments: string[] = [];
  const slots: string[] = [];
  let last = 0;
  for (const match of normalised.matchAll(pattern)) {
    segments.push(encodePiece(normalised.slice(last, match.index)));
    slots.push(match[0]);
    last = match.index + match[0].length;
  }
  segments.push(encodePiece(normalised.slice(last)));
  return { segments, slots };
}

export const encodePiece = (piece: string) => (piece ? qpWrap(qpEncode(piece), LINE - 1) + '=' + CRLF : '');

function encodeValue(value: string): string {
  return qpWrap(qpEncode(value), LINE - 1) + '=' + CRLF;
}

/**
 * The body's shared bytes between the reader's pieces, for DKIM's prepared body: the text part's head and
 * segments, then the HTML part's, each boundary joined to its neighbours. `pieces` per reader follow the same
 * order: one per gap in the text part, then one per gap in the HTML part.
 */
function sharedBodySegments(
  textHead: string,
  text: readonly string[],
  htmlHead: string,
  html: readonly string[],
  closing: string,
): string[] {
  const shared: string[] = [];
  let current = textHead;
  text.forEach((segment, index) => {
    current += segment;
    if (index < text.length - 1) {
      shared.push(current);
      current = '';
    }
  });
  current += htmlHead;
  html.forEach((segment, index) => {
    current += segment;
    if (index < html.length - 1) {
      shared.push(current);
      current = '';
    }
  });
  shared.push(current + closing);
  return shared;
}

/** `segments[0] + pieces[0] + segments[1] + …`. */
export function interleave(segments: readonly string[], pieces: readonly string[]): string {
  let out = segments[0]!;
  for (let index = 1; index < segments.length; index += 1) out += pieces[index - 1]! + segments[index]!;
  return out;
}

/** An address that could break out of its header is refused rather than sent. */
function assertHeaderSafe(value: string): void {
  if (/[\r\n<>,;"]/.test(value)) throw new Error('recipient address contains characters not allowed in a header');
}

/** What every message of one digest template shares: its envelope sender, common headers and MIME frame. */
function messageFrame(editionDate: string, subject: string, sender: DigestSender) {
  const from = parseMailbox(sender.from);
  const host = domainOf(from.address);
  const boundary = `----=_paperboy_${createHash('sha256').update(editionDate).update(subject).digest('hex').slice(0, 24)}`;
  const commonHeaders =
    header('From', encodeMailbox(from)) +
    header('Subject', encodeWords(subject, 'Q', 52)) +
    'MIME-Version: 1.0' +
    CRLF +
    header('List-Id', `Paperboy daily digest <digest.${host}>`) +
    (sender.feedbackId ? header('Feedback-ID', sender.feedbackId) : '') +
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click' +
    CRLF +
    'Auto-Submitted: auto-generated' +
    CRLF +
    'Precedence: bulk' +
    CRLF +
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"` +
    CRLF +
    CRLF;
  // Date changes once a second; formatting it per message would be waste.
  let dateSecond = -1;
  let dateHeader = '';
  return {
    envelopeFrom: from.address,
    textHead: `--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
    htmlHead: `${CRLF}--${boundary}${CRLF}Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
    closing: `${CRLF}--${boundary}--${CRLF}`,
    /** The reader's header section (the empty line ending it included). */
    headers(recipient: DigestRecipient, date: Date): string {
      assertHeaderSafe(recipient.email);
      const second = Math.floor(date.getTime() / 1000);
      if (second !== dateSecond) {
        dateSecond = second;
        dateHeader = `Date: ${rfc5322Date(date)}${CRLF}`;
      }
      if (recipient.unsubscribeMailto !== undefined) assertHeaderSafe(recipient.unsubscribeMailto);
      const mailtoPart =
        recipient.unsubscribeMailto === undefined ? '' : `,${CRLF} <mailto:${recipient.unsubscribeMailto}?subject=unsubscribe>`;
      return (
        `To: <${recipient.email}>${CRLF}` +
        dateHeader +
        `Message-ID: ${recipient.messageId}${CRLF}` +
        `List-Unsubscribe: <${recipient.unsubscribeUrl}>${mailtoPart}${CRLF}` +
        commonHeaders
      );
    },
  };
}

/** The reader's value of a slot, QP-encoded (HTML-escaped first in the HTML part). */
function slotValue(recipient: DigestRecipient, placeholder: string, name: string, forHtml: boolean): string {
  const raw = name === placeholder ? recipient.unsubscribeUrl : recipient.slot?.(name);
  if (raw === undefined) throw new Error(`no value for ${name}`);
  return encodeValue(forHtml ? escapeHtml(raw) : raw);
}

/**
 * With `dkim`, every message is signed as it is built: the edition's shared body canonicalised and hashed
 * once here, per reader only the unsubscribe URL's few bytes, the headers and one signature.
 */
export function createDigestMessageFactory(
  edition: DigestTemplate,
  sender: DigestSender,
  placeholder: string,
  dkim?: DkimSigner,
): DigestMessageFactory {
  const frame = messageFrame(edition.editionDate, edition.subject, sender);
  const { textHead, htmlHead, closing } = frame;
  const text = encodeTemplate(edition.textTemplate, placeholder);
  const html = encodeTemplate(edition.htmlTemplate, placeholder);
  const prepared = dkim?.prepareBody(sharedBodySegments(textHead, text.segments, htmlHead, html.segments, closing));

  return {
    envelopeFrom: frame.envelopeFrom,
    dkimSigned: dkim !== undefined,
    build(recipient, date = new Date()) {
      const headers = frame.headers(recipient, date);
      const textPieces = text.slots.map((name) => slotValue(recipient, placeholder, name, false));
      const htmlPieces = html.slots.map((name) => slotValue(recipient, placeholder, name, true));
      if (dkim && prepared) return dkim.signPrepared(headers, prepared, [...textPieces, ...htmlPieces], { time: date });
      return headers + textHead + interleave(text.segments, textPieces) + htmlHead + interleave(html.segments, htmlPieces) + closing;
    },
  };
}

/**
 * A part's body as pieces: quoted-printable lines encoded once and shared by many messages (a paper's block in a
 * personal digest), the reader's own text, and their slots. Joined, they are a valid QP body: every run ends in a
 * soft line break.
 */
export type BodyPiece = SharedLines | { slot: string } | { own: string };

/** Text of one message only (a reader's rank or line of why), QP-encoded; line breaks become CRLF. */
export const ownPiece = (text: string): BodyPiece => ({ own: encodePiece(text.replace(/\r?\n/g, CRLF)) });

export interface JoinedDigestTemplate {
  editionDate: string;
  subject: string;
  text: readonly BodyPiece[];
  html: readonly BodyPiece[];
}

/** `text` cut at `slots` (a global pattern), each literal run between QP-encoded; line breaks become CRLF. */
export function encodePieces(text: string, slots: RegExp): BodyPiece[] {
  const normalised = text.replace(/\r?\n/g, CRLF);
  const pieces: BodyPiece[] = [];
  let last = 0;
  for (const match of normalised.matchAll(slots)) {
    if (match.index > last) pieces.push({ text: encodePiece(normalised.slice(last, match.index)) });
    pieces.push({ slot: match[0] });
    last = match.index + match[0].length;
  }
  if (last < normalised.length) pieces.push({ text: encodePiece(normalised.slice(last)) });
  return pieces;
}

/** Makes the message factories of an edition's personal digests (`createJoinedMessages`). */
export type JoinedMessages = (template: JoinedDigestTemplate) => DigestMessageFactory;

/**
 * Digests made of pieces encoded once per edition (src/digest/assemble.ts): per reader, their slots' values are
 * encoded, the pieces joined, and with `dkim` the body hashed from the pieces' canonical forms, kept by the signer.
 * The headers and MIME frame of each subject are made once (many readers share their digest's lead paper).
 */
export function createJoinedMessages(sender: DigestSender, placeholder: string, dkim?: DkimSigner): JoinedMessages {
  const frames = new Map<string, ReturnType<typeof messageFrame>>();
  return (template) => {
    const key = `${template.editionDate}\n${template.subject}`;
    let frame = frames.get(key);
    if (!frame) {
      frame = messageFrame(template.editionDate, template.subject, sender);
      // A pool's papers lead a few dozen subjects a day: a bound only against the unexpected.
      if (frames.size >= 1_000) frames.clear();
      frames.set(key, frame);
    }
    return joinedFactory(template, frame, placeholder, dkim);
  };
}

function joinedFactory(
  template: JoinedDigestTemplate,
  frame: ReturnType<typeof messageFrame>,
  placeholder: string,
  dkim: DkimSigner | undefined,
): DigestMessageFactory {
  return {
    envelopeFrom: frame.envelopeFrom,
    dkimSigned: dkim !== undefined,
    build(recipient, date = new Date()) {
      const headers = frame.headers(recipient, date);
      const parts: (string | SharedLines)[] = [frame.textHead];
      const add = (pieces: readonly BodyPiece[], forHtml: boolean) => {
        for (const piece of pieces)
          parts.push('slot' in piece ? slotValue(recipient, placeholder, piece.slot, forHtml) : 'own' in piece ? piece.own : piece);
      };
      add(template.text, false);
      parts.push(frame.htmlHead);
      add(template.html, true);
      parts.push(frame.closing);
      if (dkim) return dkim.signJoined(headers, parts, { time: date });
      let body = '';
      for (const part of parts) body += typeof part === 'string' ? part : part.text;
      return headers + body;
    },
  };
}
