// Signed, purpose-bound tokens for the links in our emails. Pure: no I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isPublicId, type ReaderRef } from './public-id.ts';

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | 'rate';

export interface TokenClaims {
  purpose: TokenPurpose;
  /** By public id; a token signed before migration 021 names the row id (base 36), and is still honoured. */
  subscriber: ReaderRef;
  /** Unix seconds; 0 = never expires (unsubscribe links in old emails keep working). */
  expiresAt: number;
  /** What else the token is bound to, for purposes that need it (rate: the paper and the vote, e.g. `1a-up`). */
  scope?: string;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'forged' | 'wrong-purpose' | 'expired' };

const MAX_TOKEN_LENGTH = 256;
const PURPOSES: readonly TokenPurpose[] = ['confirm', 'unsubscribe', 'preferences', 'rate'];
const SCOPE = /^[a-z0-9-]{1,32}$/;

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** The reader field of a payload: a public id, or a legacy row id in base 36 (at most 11 characters). */
function readerOf(field: string | undefined): ReaderRef | undefined {
  if (isPublicId(field)) return { publicId: field };
  const legacyId = /^[0-9a-z]{1,11}$/.test(field ?? '') ? Number.parseInt(field!, 36) : NaN;
  return Number.isSafeInteger(legacyId) && legacyId > 0 ? { legacyId } : undefined;
}

/**
 * `base64url(purpose.publicId.expiry[.scope]).base64url(HMAC-SHA256(key, that payload))`. Only public ids are
 * signed.
 */
export function signToken(key: Buffer, claims: TokenClaims & { subscriber: { publicId: string } }): string {
  if (!isPublicId(claims.subscriber.publicId)) throw new RangeError('a token names its reader by public id');
  if (claims.scope !== undefined && !SCOPE.test(claims.scope)) throw new RangeError('a token scope is 1–32 of [a-z0-9-]');
  const scope = claims.scope === undefined ? '' : `.${claims.scope}`;
  const payload = `${claims.purpose}.${claims.subscriber.publicId}.${claims.expiresAt.toString(36)}${scope}`;
  return `${Buffer.from(payload).toString('base64url')}.${mac(key, payload).toString('base64url')}`;
}

/** Verifies signature (constant time), purpose and expiry. */
export function verifyToken(key: Buffer, token: unknown, purpose: TokenPurpose, now = Date.now()): TokenCheck {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const [encodedPayload, encodedSignature, extra] = token.split('.');
  if (!encodedPayload || !encodedSignature || extra !== undefined) return { ok: false, reason: 'malformed' };
  if (!/^[A-Za-z0-9_-]+$/.test(encodedPayload) || !/^[A-Za-z0-9_-]+$/.test(encodedSignature)) {
    return { ok: false, reason: 'malformed' };
  }
  const payload = Buffer.from(encodedPayload, 'base64url').toString('utf8');
  const signature = Buffer.from(encodedSignature, 'base64url');
  const expected = mac(key, payload);
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    return { ok: false, reason: 'forged' };
  }
  const [claimedPurpose, id, expiry, scope, more] = payload.split('.');
  const subscriber = readerOf(id);
  const expiresAt = Number.parseInt(expiry ?? '', 36);
  if (
    !PURPOSES.includes(claimedPurpose as TokenPurpose) ||
    subscriber === undefined ||
    !Number.isSafeInteger(expiresAt) ||
    (scope !== undefined && !SCOPE.test(scope)) ||
    more !== undefined
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (claimedPurpose !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (expiresAt !== 0 && expiresAt * 1000 < now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { purpose, subscriber, expiresAt, ...(scope !== undefined && { scope }) } };
}

/**
 * verifyToken against several keys, current first (SECRET_KEY, then each SECRET_KEY_PREVIOUS): the first key
 * whose signature matches decides. Forged only if none matches.
 */
export function verifyTokenWithAnyKey(keys: readonly Buffer[], token: unknown, purpose: TokenPurpose, now = Date.now()): TokenCheck {
  let check: TokenCheck = { ok: false, reason: 'malformed' };
  for (const key of keys) {
    check = verifyToken(key, token, purpose, now);
    if (check.ok || check.reason !== 'forged') return check;
  }
  return check;
}
