// DKIM signing (RFC 6376, Ed25519 per RFC 8463) for messages that are complete strings.
// Besides a general `sign`, a fast path for many messages sharing one body with a few per-message pieces
// (a digest edition with each reader's unsubscribe URL): the shared segments are canonicalised once, the
// SHA-256 state after the first one is kept, and per message only the pieces and the segment boundaries
// are canonicalised before the remaining bytes are hashed and one signature is made.
import { createHash, createPrivateKey, KeyObject, sign as cryptoSign, type Hash } from 'node:crypto';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';
export type DkimCanonicalization = 'relaxed' | 'simple';

export interface DkimSignerOptions {
  domainName: string;
  keySelector: string;
  /** A PEM private key (PKCS#8 or PKCS#1), or a KeyObject: RSA (≥ 1024 bits) or Ed25519. */
  privateKey: string | KeyObject;
  /** Follows from the key; when given it must match the key. */
  algorithm?: DkimAlgorithm;
  /** Default relaxed. */
  headerCanonicalization?: DkimCanonicalization;
  /** Default relaxed. */
  bodyCanonicalization?: DkimCanonicalization;
  /** Header fields signed when present; From is required. Default DEFAULT_SIGNED_HEADERS. */
  signedHeaders?: readonly string[];
  /** Header fields listed once more than present in h=, so one added in transit breaks the signature. */
  overSignedHeaders?: readonly string[];
}

export interface DkimSignOptions {
  /** The signature's t= timestamp; default now. */
  time?: Date;
}

/** Body lines many messages share (a paper's block of a digest): canonicalised the first time a signer meets them. */
export interface SharedLines {
  /** Whole lines: CRLF line breaks, ending in CRLF (or empty). */
  readonly text: string;
}

/** A body split into shared segments, canonicalised once: made by one signer's `prepareBody`, used by its `signPrepared`. */
export interface PreparedDkimBody {
  /** How many per-message pieces go between the segments. */
  readonly pieceCount: number;
}

export interface DkimSigner {
  readonly algorithm: DkimAlgorithm;
  /**
   * The message with a DKIM-Signature header prepended. Bare CR or LF become CRLF, and a body whose last line
   * has no CRLF gets one, as SMTP adds it anyway (verifiers disagree on trailing space in an unterminated line).
   */
  sign(message: string, options?: DkimSignOptions): string;
  /**
   * Canonicalises the shared segments of bodies made as `segments[0] + pieces[0] + segments[1] + … + segments[n]`.
   * Segments and pieces use CRLF line breaks and may not split a CRLF between them.
   */
  prepareBody(segments: readonly string[]): PreparedDkimBody;
  /**
   * Signs and returns `DKIM-Signature + headers + CRLF + body`, the same bytes `sign` gives for that message.
   * `headers` is the header section, every field ending in CRLF; the empty line ending it is optional.
   */
  signPrepared(headers: string, body: PreparedDkimBody, pieces: readonly string[], options?: DkimSignOptions): string;
  /**
   * Signs and returns `DKIM-Signature + headers + CRLF + parts joined`, the same bytes `sign` gives for that message.
   * Every part is whole lines (ending in CRLF, or empty), so the canonical body is the parts' canonical forms joined
   * (empty lines at the very end left out); a `SharedLines` part is canonicalised once and remembered while it lives.
   */
  signJoined(headers: string, parts: readonly (string | SharedLines)[], options?: DkimSignOptions): string;
}

export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Feedback-ID',
];
export const DEFAULT_OVER_SIGNED_HEADERS: readonly string[] = ['From', 'Subject', 'List-Unsubscribe', 'List-Unsubscribe-Post'];

const CRLF = '\r\n';
const LINE = 78;
const BARE_LINE_BREAK = /\r(?!\n)|(?<!\r)\n/;
const NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const FIELD_NAME = /^[!-9;-~]+$/;
const NEEDS_RELAXING = /\t| (?: |\r\n|$)/;

interface HeaderField {
  /** Lower-case name. */
  name: string;
  /** The whole field as written, folding included, without its final CRLF. */
  raw: string;
  colon: number;
}

function parseHeaderFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(CRLF, start);
    while (end !== -1 && (block[end + 2] === ' ' || block[end + 2] === '\t')) end = block.indexOf(CRLF, end + 2);
    if (end === -1) end = block.length;
    const raw = block.slice(start, end);
    const colon = raw.indexOf(':');
    const name = colon > 0 ? raw.slice(0, colon).replace(/[ \t]+$/, '') : '';
    if (!FIELD_NAME.test(name)) throw new Error(`DKIM: not a header field: ${JSON.stringify(raw.slice(0, 40))}`);
    fields.push({ name: name.toLowerCase(), raw, colon });
    start = end + 2;
  }
  return fields;
}

function relaxedHeaderValue(value: string): string {
  return value
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

function canonicalHeader(field: HeaderField, mode: DkimCanonicalization): string {
  return mode === 'simple' ? field.raw + CRLF : `${field.name}:${relaxedHeaderValue(field.raw.slice(field.colon + 1))}${CRLF}`;
}

/** Relaxed body canonicalisation of whole lines (and a last partial line): line-local, so segments can be done alone. */
function relaxLines(text: string): string {
  // Most QP lines have nothing to change: one scan instead of two rewrites.
  if (!NEEDS_RELAXING.test(text)) return text;
  return text.replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]{2,}|\t/g, ' ');
}

function canonicalLines(text: string, mode: DkimCanonicalization): string {
  return mode === 'relaxed' ? relaxLines(text) : text;
}

/** Where trailing CRLFs start, and how many there are. */
function trailingLineBreaks(text: string): { end: number; count: number } {
  let end = text.length;
  let count = 0;
  while (end >= 2 && text.charCodeAt(end - 2) === 13 && text.charCodeAt(end - 1) === 10) {
    end -= 2;
    count += 1;
  }
  return { end, count };
}

/** The canonical body of RFC 6376 §3.4.3/§3.4.4 in one go: what the fast path must agree with. */
function canonicalBody(body: string, mode: DkimCanonicalization): string {
  const text = canonicalLines(body, mode);
  const { end } = trailingLineBreaks(text);
  if (end === 0) return mode === 'relaxed' ? '' : CRLF;
  return text.slice(0, end) + CRLF;
}

/**
 * Canonical lines split into what can be hashed now and the empty lines at their end, which are only hashed
 * if a non-empty line follows: empty lines at the end of the body are not part of the canonical body.
 */
interface CanonicalChunk {
  lines: string;
  emptyLinesAfter: number;
}

function chunkOf(canonical: string): CanonicalChunk {
  const { end, count } = trailingLineBreaks(canonical);
  if (end === 0) return { lines: '', emptyLinesAfter: count };
  return { lines: canonical.slice(0, end + 2), emptyLinesAfter: count - 1 };
}

class BodyHasher {
  constructor(
    readonly hash: Hash,
    private deferredEmptyLines = 0,
    private hashedAnything = false,
  ) {}

  copy(): BodyHasher {
    return new BodyHasher(this.hash.copy(), this.deferredEmptyLines, this.hashedAnything);
  }

  /** `chunk.lines` may be a Buffer prepared once; strings are hashed as UTF-8. */
  add(lines: string | Buffer, emptyLinesAfter: number): void {
    if (lines.length === 0) {
      this.deferredEmptyLines += emptyLinesAfter;
      return;
    }
    if (this.deferredEmptyLines > 0) this.hash.update(CRLF.repeat(this.deferredEmptyLines));
    this.hash.update(lines);
    this.hashedAnything = true;
    this.deferredEmptyLines = emptyLinesAfter;
  }

  addCanonical(canonical: string): void {
    const { lines, emptyLinesAfter } = chunkOf(canonical);
    this.add(lines, emptyLinesAfter);
  }

  /** `rest` is the canonical end of the body: whole lines. */
  finish(rest: string, mode: DkimCanonicalization): string {
    this.addCanonical(rest);
    if (!this.hashedAnything && mode === 'simple') this.hash.update(CRLF);
    return this.hash.digest('base64');
  }
}

interface PreparedSegment {
  raw: string;
  /** Without a CRLF the segment is part of one line with its neighbours and is canonicalised per message. */
  hasLineBreak: boolean;
  /** Up to and including the first CRLF: its line may begin in the piece before. */
  head: string;
  /** The complete lines after `head`, canonicalised. */
  middle: Buffer;
  middleEmptyLinesAfter: number;
  /** After the last CRLF: its line continues into the piece after. */
  tail: string;
}

interface PreparedInternals {
  segments: PreparedSegment[];
  /** The body hash after segments[0] up to its last CRLF. */
  afterFirst: BodyHasher;
}

function assertCrlf(text: string, what: string): void {
  if (BARE_LINE_BREAK.test(text)) throw new Error(`DKIM: ${what} has a bare CR or LF; use CRLF line breaks`);
}

function loadKey(privateKey: string | KeyObject): { key: KeyObject; algorithm: DkimAlgorithm } {
  let key: KeyObject;
  try {
    key = privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey);
  } catch (error) {
    throw new Error('DKIM: the private key could not be read (expected a PEM private key, PKCS#8 or PKCS#1)', { cause: error });
  }
  if (key.type !== 'private') throw new Error(`DKIM: a private key is needed, this is a ${key.type} key`);
  if (key.asymmetricKeyType === 'ed25519') return { key, algorithm: 'ed25519-sha256' };
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`DKIM: keys are RSA or Ed25519, this one is ${key.asymmetricKeyType ?? 'unknown'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) throw new Error(`DKIM: an RSA key of ${bits} bits is too short (RFC 8301 asks for at least 1024)`);
  return { key, algorithm: 'rsa-sha256' };
}

function headerNames(names: readonly string[], what: string): string[] {
  const lower = names.map((name) => {
    if (!FIELD_NAME.test(name)) throw new Error(`DKIM: ${what} lists ${JSON.stringify(name)}, not a header field name`);
    return name.toLowerCase();
  });
  return [...new Set(lower)];
}

/** Tag atoms joined on one line where they fit, otherwise folded before an atom; `b=` starts a line of its own. */
function foldSignatureTags(groups: string[][]): string {
  let out = 'DKIM-Signature:';
  let lineLength = out.length;
  for (const group of groups) {
    group.forEach((atom, index) => {
      const separator = index === 0 ? ' ' : '';
      if (lineLength + separator.length + atom.length <= LINE) {
        out += separator + atom;
        lineLength += separator.length + atom.length;
      } else {
        out += `${CRLF} ${atom}`;
        lineLength = 1 + atom.length;
      }
    });
  }
  return `${out}${CRLF} b=`;
}

function foldSignatureValue(signature: string): string {
  let out = signature.slice(0, LINE - 3);
  for (let index = LINE - 3; index < signature.length; index += LINE - 1) out += `${CRLF} ${signature.slice(index, index + LINE - 1)}`;
  return out + CRLF;
}

export function createDkimSigner(options: DkimSignerOptions): DkimSigner {
  const { key, algorithm } = loadKey(options.privateKey);
  if (options.algorithm && options.algorithm !== algorithm)
    throw new Error(`DKIM: algorithm ${options.algorithm} does not fit a key for ${algorithm}`);
  if (!NAME.test(options.domainName)) throw new Error(`DKIM: ${JSON.stringify(options.domainName)} is not a domain name`);
  if (!NAME.test(options.keySelector)) throw new Error(`DKIM: ${JSON.stringify(options.keySelector)} is not a selector`);
  const headerMode = options.headerCanonicalization ?? 'relaxed';
  const bodyMode = options.bodyCanonicalization ?? 'relaxed';
  for (const mode of [headerMode, bodyMode])
    if (mode !== 'relaxed' && mode !== 'simple') throw new Error(`DKIM: unknown canonicalization ${String(mode)}`);
  const signed = headerNames(options.signedHeaders ?? DEFAULT_SIGNED_HEADERS, 'signedHeaders');
  // The default over-signs those of its names that are signed; an explicit list must fit signedHeaders.
  const overSigned = new Set(
    options.overSignedHeaders
      ? headerNames(options.overSignedHeaders, 'overSignedHeaders')
      : headerNames(DEFAULT_OVER_SIGNED_HEADERS, 'overSignedHeaders').filter((name) => signed.includes(name)),
  );
  if (!signed.includes('from')) throw new Error('DKIM: signedHeaders must include From (RFC 6376 §5.4)');
  for (const name of overSigned) if (!signed.includes(name)) throw new Error(`DKIM: ${name} is over-signed but not in signedHeaders`);

  const sign = (data: string): string =>
    algorithm === 'rsa-sha256'
      ? cryptoSign('sha256', Buffer.from(data), key).toString('base64')
      : cryptoSign(null, createHash('sha256').update(data).digest(), key).toString('base64');
  // A key that parses but cannot sign fails here, not on the first message.
  try {
    sign('probe');
  } catch (error) {
    throw new Error('DKIM: the private key cannot sign', { cause: error });
  }
  const fixedTags = [
    [`v=1;`],
    [`a=${algorithm};`],
    [`c=${headerMode}/${bodyMode};`],
    [`d=${options.domainName};`],
    [`s=${options.keySelector};`],
  ];
  const prepared = new WeakMap<PreparedDkimBody, PreparedInternals>();
  const sharedLines = new WeakMap<SharedLines, { lines: Buffer; emptyLinesAfter: number }>();
  const wholeLines = (text: string, what: string) => {
    if (text !== '' && !text.endsWith(CRLF)) throw new Error(`DKIM: ${what} does not end in CRLF`);
    assertCrlf(text, what);
  };

  /** The DKIM-Signature field for a header section (fields ending in CRLF) and a body hash. */
  const signatureField = (headerBlock: string, bodyHash: string, time: Date | undefined): string => {
    const fields = parseHeaderFields(headerBlock);
    const names: string[] = [];
    let data = '';
    for (const name of signed) {
      // Bottom-up: the n-th listing of a name signs its n-th instance from the bottom (RFC 6376 §5.4.2).
      for (let index = fields.length - 1; index >= 0; index -= 1) {
        const field = fields[index]!;
        if (field.name !== name) continue;
        names.push(name);
        data += canonicalHeader(field, headerMode);
      }
      if (name === 'from' && !names.includes('from')) throw new Error('DKIM: the message has no From header');
      if (overSigned.has(name)) names.push(name);
    }
    const seconds = Math.floor((time ?? new Date()).getTime() / 1000);
    if (!Number.isFinite(seconds)) throw new Error('DKIM: the signing time is not a valid date');
    const hTag = names.map((name, index) => (index === 0 ? 'h=' : '') + name + (index === names.length - 1 ? ';' : ':'));
    const unsigned = foldSignatureTags([...fixedTags, [`t=${seconds};`], hTag, [`bh=${bodyHash};`]]);
    const colon = unsigned.indexOf(':');
    data += headerMode === 'simple' ? unsigned : `dkim-signature:${relaxedHeaderValue(unsigned.slice(colon + 1))}`;
    return unsigned + foldSignatureValue(sign(data));
  };

  /** The header section as fields each ending in CRLF, without the empty line after them. */
  const headerBlockOf = (headers: string): string => {
    assertCrlf(headers, 'the header section');
    const block = headers.endsWith(CRLF + CRLF)
      ? headers.slice(0, -2)
      : headers.endsWith(CRLF) || headers === ''
        ? headers
        : headers + CRLF;
    if (block.includes(CRLF + CRLF) || block.startsWith(CRLF)) throw new Error('DKIM: the header section contains an empty line');
    return block;
  };

  return {
    algorithm,

    sign(message, signOptions) {
      let text = BARE_LINE_BREAK.test(message) ? message.replace(/\r\n|\r|\n/g, CRLF) : message;
      const split = text.startsWith(CRLF) ? 0 : text.indexOf(CRLF + CRLF);
      const headerBlock = split === -1 ? text : text.slice(0, split + 2);
      let body = split === -1 ? '' : text.slice(split + (split === 0 ? 2 : 4));
      if (body !== '' && !body.endsWith(CRLF)) {
        body += CRLF;
        text += CRLF;
      }
      const bodyHash = createHash('sha256').update(canonicalBody(body, bodyMode)).digest('base64');
      return signatureField(headerBlock.endsWith(CRLF) ? headerBlock : headerBlock + CRLF, bodyHash, signOptions?.time) + text;
    },

    prepareBody(segments) {
      if (segments.length === 0) throw new Error('DKIM: a prepared body needs at least one segment');
      const parts = segments.map((raw, index): PreparedSegment => {
        assertCrlf(raw, `body segment ${index}`);
        const first = raw.indexOf(CRLF);
        if (first === -1) return { raw, hasLineBreak: false, head: '', middle: Buffer.alloc(0), middleEmptyLinesAfter: 0, tail: '' };
        const last = raw.lastIndexOf(CRLF);
        const { lines, emptyLinesAfter } = chunkOf(canonicalLines(raw.slice(first + 2, last + 2), bodyMode));
        return {
          raw,
          hasLineBreak: true,
          head: raw.slice(0, first + 2),
          middle: Buffer.from(lines),
          middleEmptyLinesAfter: emptyLinesAfter,
          tail: raw.slice(last + 2),
        };
      });
      const afterFirst = new BodyHasher(createHash('sha256'));
      const first = parts[0]!;
      if (first.hasLineBreak) {
        afterFirst.addCanonical(canonicalLines(first.head, bodyMode));
        afterFirst.add(first.middle, first.middleEmptyLinesAfter);
      }
      const body: PreparedDkimBody = Object.freeze({ pieceCount: segments.length - 1 });
      prepared.set(body, { segments: parts, afterFirst });
      return body;
    },

    signPrepared(headers, body, pieces, signOptions) {
      const internals = prepared.get(body);
      if (!internals) throw new Error('DKIM: this body was not prepared by this signer');
      const { segments } = internals;
      if (pieces.length !== segments.length - 1)
        throw new Error(`DKIM: the body takes ${segments.length - 1} pieces, got ${pieces.length}`);
      const headerBlock = headerBlockOf(headers);
      const hasher = internals.afterFirst.copy();
      let text = segments[0]!.raw;
      // What is not yet canonicalised: text from the last CRLF of a shared segment on.
      let pending = segments[0]!.hasLineBreak ? segments[0]!.tail : segments[0]!.raw;
      for (let index = 0; index < pieces.length; index += 1) {
        const piece = pieces[index]!;
        assertCrlf(piece, `piece ${index}`);
        const segment = segments[index + 1]!;
        text += piece + segment.raw;
        if (!segment.hasLineBreak) {
          pending += piece + segment.raw;
          continue;
        }
        hasher.addCanonical(canonicalLines(pending + piece + segment.head, bodyMode));
        hasher.add(segment.middle, segment.middleEmptyLinesAfter);
        pending = segment.tail;
      }
      if (text !== '' && !text.endsWith(CRLF)) {
        text += CRLF;
        pending += CRLF;
      }
      const bodyHash = hasher.finish(canonicalLines(pending, bodyMode), bodyMode);
      return signatureField(headerBlock, bodyHash, signOptions?.time) + headerBlock + CRLF + text;
    },

    signJoined(headers, parts, signOptions) {
      const headerBlock = headerBlockOf(headers);
      const hasher = new BodyHasher(createHash('sha256'));
      let text = '';
      parts.forEach((part, index) => {
        if (typeof part === 'string') {
          wholeLines(part, `body part ${index}`);
          text += part;
          hasher.addCanonical(canonicalLines(part, bodyMode));
          return;
        }
        let chunk = sharedLines.get(part);
        if (!chunk) {
          wholeLines(part.text, `body part ${index}`);
          const { lines, emptyLinesAfter } = chunkOf(canonicalLines(part.text, bodyMode));
          chunk = { lines: Buffer.from(lines), emptyLinesAfter };
          sharedLines.set(part, chunk);
        }
        text += part.text;
        hasher.add(chunk.lines, chunk.emptyLinesAfter);
      });
      const bodyHash = hasher.finish('', bodyMode);
      return signatureField(headerBlock, bodyHash, signOptions?.time) + headerBlock + CRLF + text;
    },
  };
}
