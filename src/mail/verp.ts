// Signed sub-addresses on our own domain. A bounce to `bounces+d123.<mac>@` names delivery 123 however mangled
// the report is, and a mail to `unsubscribe+<id>.<mac>@` names the reader asking to leave. The MAC stops anyone
// from suppressing or unsubscribing a reader of their choosing by writing to a guessed address. Pure: no I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type VerpKind = 'delivery' | 'confirmation';

export interface VerpTag {
  kind: VerpKind;
  /** A bigint row id; it comes back from parsing as a decimal string, the way pg returns bigint. */
  id: number | string;
}

export interface ParsedVerpTag {
  kind: VerpKind;
  id: string;
}

/** RFC 5321 4.5.3.1.1. */
const MAX_LOCAL_PART_OCTETS = 64;
/** 10 base32 characters: 50 bits, plenty against guesses that each cost an email. */
const MAC_LENGTH = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const KIND_LETTERS: Record<VerpKind, string> = { delivery: 'd', confirmation: 'c' };
const KINDS_BY_LETTER: Record<string, VerpKind> = { d: 'delivery', c: 'confirmation' };
const MAX_BIGINT = 9223372036854775807n;
/** Lower-case only: some MTAs lower-case local parts, and the MAC must survive that. */
const PUBLIC_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

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

function canonicalId(id: number | string): string | null {
  const text = typeof id === 'number' ? (Number.isSafeInteger(id) ? String(id) : '') : id;
  if (!/^[1-9]\d{0,18}$/.test(text) || BigInt(text) > MAX_BIGINT) return null;
  return text;
}

/** `bounces+d123.<mac>@domain` for delivery 123 (`c` for a confirmation), the envelope sender of that one email. */
export function verpAddress(key: Buffer, bounceAddress: string, tag: VerpTag): string {
  const id = canonicalId(tag.id);
  if (id === null) throw new RangeError(`not a row id: ${String(tag.id)}`);
  const name = `${KIND_LETTERS[tag.kind]}${id}`;
  return subAddress(bounceAddress, `${name}.${shortMac(key, 'verp', name)}`);
}

/** The delivery or confirmation a bounce was addressed to, or null when the address is not ours, malformed or forged. */
export function parseVerpAddress(key: Buffer, address: unknown, bounceAddress: string): ParsedVerpTag | null {
  const detail = subAddressDetail(address, bounceAddress);
  const match = detail === null ? null : /^([a-z])(\d{1,19})\.([a-z2-7]+)$/.exec(detail);
  if (!match) return null;
  const letter = match[1]!;
  const kind = KINDS_BY_LETTER[letter];
  const id = canonicalId(match[2]!);
  if (kind === undefined || id === null) return null;
  return macMatches(match[3]!, shortMac(key, 'verp', `${letter}${id}`)) ? { kind, id } : null;
}

/** `unsubscribe+<public id>.<mac>@domain`, for the reader's List-Unsubscribe mailto. */
export function unsubscribeMailtoAddress(key: Buffer, baseAddress: string, subscriberPublicId: string): string {
  if (!PUBLIC_ID.test(subscriberPublicId))
    throw new RangeError(`public ids are lower-case letters, digits and dashes: ${subscriberPublicId}`);
  return subAddress(baseAddress, `${subscriberPublicId}.${shortMac(key, 'unsubscribe-mailto', subscriberPublicId)}`);
}

/** The public id of the reader a mail to our unsubscribe address came for, or null when not ours, malformed or forged. */
export function parseUnsubscribeMailtoAddress(key: Buffer, address: unknown, baseAddress: string): string | null {
  const detail = subAddressDetail(address, baseAddress);
  const dot = detail === null ? -1 : detail.lastIndexOf('.');
  if (detail === null || dot < 0) return null;
  const publicId = detail.slice(0, dot);
  const mac = detail.slice(dot + 1);
  if (!PUBLIC_ID.test(publicId)) return null;
  return macMatches(mac, shortMac(key, 'unsubscribe-mailto', publicId)) ? publicId : null;
}
