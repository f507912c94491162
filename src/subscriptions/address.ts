// Email address normalisation: pure, no I/O. Decides what we store and what we refuse, with a message a person understands.
import { domainToASCII } from 'node:url';

export type AddressCheck =
  | {
      ok: true;
      /** What we send to: local part as typed, domain lower-cased and in punycode. */
      email: string;
      /** As the reader typed it, trimmed: what we show them. */
      input: string;
    }
  | { ok: false; message: string };

/** RFC 5321 §4.5.3.1: local part ≤ 64 octets, domain ≤ 255, a path ≤ 256 including the angle brackets. */
export const MAX_LOCAL_OCTETS = 64;
export const MAX_DOMAIN_OCTETS = 255;
export const MAX_ADDRESS_OCTETS = 254;
/** Anything longer than this is not an address, whatever it contains: refuse before looking closer. */
const MAX_INPUT_LENGTH = 512;

// RFC 5322 dot-atom: atext runs separated by single dots.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
// Spaces people paste around an address; line breaks are never trimmed, they are refused (header injection).
const EDGE_SPACE = /^[ \t\u00a0\u2000-\u200b\u202f\u3000\ufeff]+|[ \t\u00a0\u2000-\u200b\u202f\u3000\ufeff]+$/g;

// Special-use and reserved names (RFC 2606, 6761, 6762, 7686, 9476; .arpa, .internal): no mailbox there is reachable.
const SPECIAL_USE_TLDS = new Set(['alt', 'arpa', 'example', 'internal', 'invalid', 'local', 'localhost', 'onion', 'test']);
// "--" in the 3rd and 4th places is reserved for encodings of internationalised names: only xn-- exists.
const RESERVED_HYPHENS = /^(?!xn)..--/;

const fail = (message: string): AddressCheck => ({ ok: false, message });

export const MESSAGES = {
  missing: 'Please enter your email address.',
  notText: 'Please enter one email address.',
  tooLong: `That is too long to be an email address (the most email allows is ${MAX_ADDRESS_OCTETS} characters).`,
  control: 'An email address cannot contain line breaks or other control characters.',
  space: 'An email address cannot contain spaces.',
  noAt: 'An email address needs an @ between the name and the domain, like ada@example.org.',
  manyAt: 'That has more than one @; an email address has exactly one, like ada@example.org.',
  quoted: 'Addresses with quotation marks are not supported. Please use an address without quotes, like ada@example.org.',
  noLocal: 'The part before the @ is missing, like "ada" in ada@example.org.',
  nonAsciiLocal:
    'The part before the @ can only use unaccented letters (a–z), digits and . _ + - : not every mail system can deliver to anything else.',
  badLocal:
    "The part before the @ can use letters, digits and . _ + - (and ! # $ % & ' * / = ? ^ ` { | } ~), with no dot at the start, at the end or twice in a row.",
  localTooLong: `The part before the @ is longer than ${MAX_LOCAL_OCTETS} characters, the most email allows.`,
  noDomain: 'The domain after the @ is missing, like "example.org" in ada@example.org.',
  ipLiteral: 'Please use a domain name after the @ rather than an IP address.',
  badDomain: 'The domain after the @ does not look right. It needs a name and an ending, like example.org.',
  specialUse:
    'That domain is reserved for tests or local networks (like .test, .local, .localhost, .onion or .invalid), so no email can reach it. Please use an address on the public internet.',
  reservedHyphens:
    'The domain after the @ has "--" in its third and fourth characters, which only internationalised names (starting xn--) may have.',
} as const;

function octets(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * Checks and normalises an address typed by a person or sent by a program.
 * Quoted local parts ("ada lovelace"@example.org) are refused: they are legal but rare, many systems
 * mangle them, and refusing is safer than guessing. Non-ASCII local parts need SMTPUTF8 all the way to
 * the reader's inbox, which we cannot promise, so they are refused too; IDN domains are fine (punycode).
 */
export function normaliseAddress(value: unknown): AddressCheck {
  if (value === undefined || value === null) return fail(MESSAGES.missing);
  if (typeof value !== 'string') return fail(MESSAGES.notText);
  if (value.length > MAX_INPUT_LENGTH) return fail(MESSAGES.tooLong);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) return fail(MESSAGES.control);
  const input = value.replace(EDGE_SPACE, '');
  if (input === '') return fail(MESSAGES.missing);
  if (input.includes('"')) return fail(MESSAGES.quoted);
  if (/\s/.test(input)) return fail(MESSAGES.space);

  const at = input.indexOf('@');
  if (at === -1) return fail(MESSAGES.noAt);
  if (input.indexOf('@', at + 1) !== -1) return fail(MESSAGES.manyAt);
  const local = input.slice(0, at);
  const typedDomain = input.slice(at + 1);

  if (local === '') return fail(MESSAGES.noLocal);
  if (/[^\x20-\x7e]/.test(local)) return fail(MESSAGES.nonAsciiLocal);
  if (!DOT_ATOM.test(local)) return fail(MESSAGES.badLocal);
  if (octets(local) > MAX_LOCAL_OCTETS) return fail(MESSAGES.localTooLong);

  if (typedDomain === '') return fail(MESSAGES.noDomain);
  if (typedDomain.startsWith('[') || /^[0-9.]+$/.test(typedDomain)) return fail(MESSAGES.ipLiteral);
  // UTS #46 mapping: lower-cases, maps full-width forms, and turns IDN labels into punycode; '' if invalid.
  const domain = domainToASCII(typedDomain);
  if (domain === '' || domain.length > MAX_DOMAIN_OCTETS) return fail(MESSAGES.badDomain);
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !TOP_LEVEL.test(labels.at(-1)!)) {
    return fail(MESSAGES.badDomain);
  }
  if (SPECIAL_USE_TLDS.has(labels.at(-1)!)) return fail(MESSAGES.specialUse);
  if (labels.some((label) => RESERVED_HYPHENS.test(label))) return fail(MESSAGES.reservedHyphens);

  const email = `${local}@${domain}`;
  if (octets(email) > MAX_ADDRESS_OCTETS) return fail(MESSAGES.tooLong);
  return { ok: true, email, input };
}
