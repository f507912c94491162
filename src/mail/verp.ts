// Signed sub-addresses on our own domain. A bounce to `bounces+d<public id>.<mac>@` names the reader of that digest
// (`c…`: of that confirmation) however mangled the report is, and a mail to `unsubscribe+<public id>.<mac>@` names
// the reader asking to leave. The MAC stops anyone from suppressing or unsubscribing a reader of their choosing by
// writing to a guessed address; the public id (src/security/public-id.ts) tells nothing of the list's size.
// Pure: no I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isPublicId, type ReaderRef } from '../security/public-id.ts';

export type VerpKind = 'delivery' | 'confirmation';

export interface VerpTag {
  kind: VerpKind;
  /** The reader's public id. */
  publicId: string;
}

/**
 * A tag read back: the reader's public id, or in a tag of mail sent before migration 021 a row id (a decimal
 * string, the way pg returns bigint): the delivery's for `delivery`, the subscriber's for `confirmation`.
 */
export type ParsedVerpTag = { kind: VerpKind; publicId: string } | { kind: VerpKind; legacyId: string };

/** RFC 5321 4.5.3.1.1. */
const MAX_LOCAL_PART_OCTETS = 64;
/** 10 base32 characters: 50 bits, plenty against guesses that each cost an email. */
const MAC_LENGTH = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const KIND_LETTERS: Record<VerpKind, string> = { delivery: 'd', confirmation: 'c' };
const KINDS_BY_LETTER: Record<string, VerpKind> = { d: 'delivery', c: 'confirmation' };
const MAX_BIGINT = 9223372036854775807n;

/**
 * A truncated HMAC in lower-case base32. The purpose prefix keeps a VERP MAC from ever passing as an unsubscribe
 * MAC (or as any other MAC made with the same key).
 */
function shortMac(key: Buffer, purpose: string, value: string): string {
  const digest = createHmac('sha256', key).update(`${purpose}:${value}`).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 7)) bits = (bits << 8n) | BigInt(byte);
  let text = '';
  for (let index = 0; index < MAC_LENGTH; index++) text += BASE32[Number((bits >> BigInt(56 - 5 * (index + 1))) & 31n)];
  return text;
}

function macMatches(given: string, expected: string): boolean {
  const givenBytes = Buffer.from(given);
  const expectedBytes = Buffer.from(expected);
  return givenBytes.length === expectedBytes.length && timingSafeEqual(givenBytes, expectedBytes);
}

function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** `base+detail@domain`, refused (thrown: it is our configuration or our bug) when the local part would not fit. */
function subAddress(baseAddress: string, detail: string): string {
  const base = splitAddress(baseAddress);
  if (!base) throw new RangeError(`not an address: ${baseAddress}`);
  const local = `${base.local}+${detail}`;
  if (Buffer.byteLength(local) > MAX_LOCAL_PART_OCTETS) throw new RangeError(`local part over ${MAX_LOCAL_PART_OCTETS} octets: ${local}`);
  return `${local}@${base.domain}`;
}

/** The `detail` of `base+detail@domain`, lower-cased, or null when the address is not a sub-address of base. */
function subAddressDetail(address: unknown, baseAddress: string): string | null {
  if (typeof address !== 'string' || address.length > 320) return null;
  const given = splitAddress(
    address
      .trim()
      .replace(/^<(.*)>$/, '$1')
      .toLowerCase(),
  );
  const base = splitAddress(baseAddress.toLowerCase());
  if (!given || !base || given.domain !== base.domain || Buffer.byteLength(given.local) > MAX_LOCAL_PART_OCTETS) return null;
  const prefix = `${base.local}+`;
  return given.local.startsWith(prefix) ? given.local.slice(prefix.length) : null;
}

/** A legacy row id as signed: a decimal bigint without leading zeros. */
const isLegacyId = (text: string) => /^[1-9]\d{0,18}$/.test(text) && BigInt(text) <= MAX_BIGINT;

/** `bounces+d<public id>.<mac>@domain` for a digest to that reader (`c` for a confirmation), the envelope sender of that one email. */
export function verpAddress(key: Buffer, bounceAddress: string, tag: VerpTag): string {
  if (!isPublicId(tag.publicId)) throw new RangeError(`not a public id: ${tag.publicId}`);
  const name = `${KIND_LETTERS[tag.kind]}${tag.publicId}`;
  return subAddress(bounceAddress, `${name}.${shortMac(key, 'verp', name)}`);
}

/** The reader (or, in an old tag, the row) a bounce was addressed to, or null when the address is not ours, malformed or forged. */
export function parseVerpAddress(key: Buffer, address: unknown, bounceAddress: string): ParsedVerpTag | null {
  const detail = subAddressDetail(address, bounceAddress);
  const match = detail === null ? null : /^([a-z])([0-9a-f]{1,32})\.([a-z2-7]+)$/.exec(detail);
  if (!match) return null;
  const letter = match[1]!;
  const kind = KINDS_BY_LETTER[letter];
  const id = match[2]!;
  if (kind === undefined || !(isPublicId(id) || isLegacyId(id))) return null;
  if (!macMatches(match[3]!, shortMac(key, 'verp', `${letter}${id}`))) return null;
  return isPublicId(id) ? { kind, publicId: id } : { kind, legacyId: id };
}

/** `unsubscribe+<public id>.<mac>@domain`, for the reader's List-Unsubscribe mailto. */
export function unsubscribeMailtoAddress(key: Buffer, baseAddress: string, publicId: string): string {
  if (!isPublicId(publicId)) throw new RangeError(`not a public id: ${publicId}`);
  return subAddress(baseAddress, `${publicId}.${shortMac(key, 'unsubscribe-mailto', publicId)}`);
}

/**
 * The reader a mail to our unsubscribe address came for (by public id, or by row id in the address of an email
 * sent before migration 021), or null when not ours, malformed or forged.
 */
export function parseUnsubscribeMailtoAddress(key: Buffer, address: unknown, baseAddress: string): ReaderRef | null {
  const detail = subAddressDetail(address, baseAddress);
  const dot = detail === null ? -1 : detail.lastIndexOf('.');
  if (detail === null || dot < 0) return null;
  const id = detail.slice(0, dot);
  const mac = detail.slice(dot + 1);
  if (!isPublicId(id) && !isLegacyId(id)) return null;
  if (!macMatches(mac, shortMac(key, 'unsubscribe-mailto', id))) return null;
  return isPublicId(id) ? { publicId: id } : { legacyId: Number(id) };
}
