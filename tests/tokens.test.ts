import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { deriveKeys } from '../src/security/keys.ts';
import { signToken, verifyToken } from '../src/security/tokens.ts';

const keys = deriveKeys('a-secret-key-for-tests-0123456789abcdef');
const now = Date.UTC(2026, 10, 28);
const reader = { publicId: '3f2c9a1e5b7d4c2a8e6f1b3d5c7a9e0f' };
const confirm = signToken(keys.tokens, { purpose: 'confirm', subscriber: reader, expiresAt: now / 1000 + 3600 });
const unsubscribe = signToken(keys.tokens, { purpose: 'unsubscribe', subscriber: reader, expiresAt: 0 });

test('a token signed for a purpose verifies for that purpose and subscriber', () => {
  const check = verifyToken(keys.tokens, confirm, 'confirm', now);
  assert.deepEqual(check, { ok: true, claims: { purpose: 'confirm', subscriber: reader, expiresAt: now / 1000 + 3600 } });
});

test('a token names its reader by public id only: the payload holds no row id, and nothing else can be signed', () => {
  assert.equal(Buffer.from(unsubscribe.split('.')[0]!, 'base64url').toString(), `unsubscribe.${reader.publicId}.0`);
  for (const publicId of ['42', '3F2C9A1E5B7D4C2A8E6F1B3D5C7A9E0F', `${reader.publicId}0`, '']) {
    assert.throws(() => signToken(keys.tokens, { purpose: 'unsubscribe', subscriber: { publicId }, expiresAt: 0 }), RangeError, publicId);
  }
});

test('a token signed before public ids (the row id in base 36) still verifies, naming that row', () => {
  assert.deepEqual(verifyToken(keys.tokens, signedPayload(`unsubscribe.${(123_456).toString(36)}.0`), 'unsubscribe', now), {
    ok: true,
    claims: { purpose: 'unsubscribe', subscriber: { legacyId: 123_456 }, expiresAt: 0 },
  });
});

test('a confirm token cannot unsubscribe and an unsubscribe token cannot confirm', () => {
  assert.deepEqual(verifyToken(keys.tokens, confirm, 'unsubscribe', now), { ok: false, reason: 'wrong-purpose' });
  assert.deepEqual(verifyToken(keys.tokens, unsubscribe, 'confirm', now), { ok: false, reason: 'wrong-purpose' });
});

test('unsubscribe tokens never expire; confirm tokens do', () => {
  assert.equal(verifyToken(keys.tokens, unsubscribe, 'unsubscribe', now + 10 * 365 * 86_400_000).ok, true);
  assert.deepEqual(verifyToken(keys.tokens, confirm, 'confirm', now + 3_601_000), { ok: false, reason: 'expired' });
});

test('forged, truncated, re-targeted and oversized tokens are refused', () => {
  const other = deriveKeys('another-secret-key-entirely-0123456789');
  const [payload, signature] = unsubscribe.split('.') as [string, string];
  const retargeted = `${Buffer.from('unsubscribe.1.0').toString('base64url')}.${signature}`;
  const cases: [unknown, string][] = [
    [signToken(other.tokens, { purpose: 'unsubscribe', subscriber: reader, expiresAt: 0 }), 'forged'],
    [retargeted, 'forged'],
    [unsubscribe.slice(0, -1), 'forged'],
    [payload, 'malformed'],
    [`${unsubscribe}.x`, 'malformed'],
    ['', 'malformed'],
    ['x'.repeat(5000), 'malformed'],
    [['array'], 'malformed'],
    [undefined, 'malformed'],
    ['a b.c', 'malformed'],
  ];
  for (const [token, reason] of cases) {
    assert.deepEqual(verifyToken(keys.tokens, token, 'unsubscribe', now), { ok: false, reason }, String(token).slice(0, 40));
  }
});

test('keys derived for different uses differ', () => {
  assert.notDeepEqual(keys.tokens, keys.ipHash);
});

/** A token for any payload, correctly signed: what only the key's holder could make. */
function signedPayload(payload: string): string {
  return `${Buffer.from(payload).toString('base64url')}.${createHmac('sha256', keys.tokens).update(payload).digest('base64url')}`;
}

test('a correctly signed payload is still refused when its claims are not well formed', () => {
  assert.equal(
    verifyToken(keys.tokens, signedPayload('unsubscribe.1.0'), 'unsubscribe', now).ok,
    true,
    'the helper signs as signToken does',
  );
  for (const payload of [
    'other.1.0', // unknown purpose
    'unsubscribe.0.0', // subscriber 0
    'unsubscribe.-1.0', // negative subscriber
    `unsubscribe.${'z'.repeat(12)}.0`, // beyond a safe integer
    `unsubscribe.${reader.publicId.slice(1)}.0`, // neither a public id nor a row id
    `unsubscribe.${reader.publicId.toUpperCase()}.0`,
    'unsubscribe.1!.0',
    `unsubscribe.1.${'z'.repeat(12)}`,
    'unsubscribe.1', // no expiry
    'unsubscribe', // no subscriber, no expiry
  ]) {
    assert.deepEqual(verifyToken(keys.tokens, signedPayload(payload), 'unsubscribe', now), { ok: false, reason: 'malformed' }, payload);
  }
});

test('tokens are at most 256 characters, and a signature is base64url from its first character to its last', () => {
  const ofLength = (length: number) => {
    for (let padding = 0; padding < 300; padding++) {
      const token = signedPayload(`unsubscribe.1.${'0'.repeat(padding + 1)}`);
      if (token.length === length) return token;
    }
    throw new Error(`no token of ${length} characters`);
  };
  assert.equal(verifyToken(keys.tokens, ofLength(256), 'unsubscribe', now).ok, true, '256 characters is fine');
  assert.deepEqual(verifyToken(keys.tokens, ofLength(260), 'unsubscribe', now), { ok: false, reason: 'malformed' }, 'longer is not');
  const [payload, signature] = unsubscribe.split('.') as [string, string];
  // Base64url decoding skips a stray character: the pattern, not the decoder, has to refuse it.
  for (const token of [`${payload}.!${signature}`, `${payload}.${signature}!`, `!${payload}.${signature}`, `${payload}!.${signature}`]) {
    assert.deepEqual(verifyToken(keys.tokens, token, 'unsubscribe', now), { ok: false, reason: 'malformed' }, token);
  }
});

test('a confirm token is valid up to and including its expiry second, and expired one millisecond after', () => {
  const expiresAt = now / 1000 + 60;
  const token = signToken(keys.tokens, { purpose: 'confirm', subscriber: reader, expiresAt });
  assert.equal(verifyToken(keys.tokens, token, 'confirm', expiresAt * 1000).ok, true);
  assert.deepEqual(verifyToken(keys.tokens, token, 'confirm', expiresAt * 1000 + 1), { ok: false, reason: 'expired' });
});

test('a rating token is bound to its paper and vote, and a scope cannot be added or changed without the key', () => {
  const rate = signToken(keys.tokens, { purpose: 'rate', subscriber: reader, expiresAt: 0, scope: '1a-up' });
  assert.deepEqual(verifyToken(keys.tokens, rate, 'rate', now), {
    ok: true,
    claims: { purpose: 'rate', subscriber: reader, expiresAt: 0, scope: '1a-up' },
  });
  assert.deepEqual(verifyToken(keys.tokens, rate, 'preferences', now), { ok: false, reason: 'wrong-purpose' });
  const [payload, signature] = rate.split('.');
  const changed = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('1a-up', '1a-down')).toString('base64url');
  assert.deepEqual(verifyToken(keys.tokens, `${changed}.${signature}`, 'rate', now), { ok: false, reason: 'forged' });
  for (const bad of ['rate.1.0.UP', 'rate.1.0.', 'rate.1.0.a.b']) {
    assert.deepEqual(verifyToken(keys.tokens, signedPayload(bad), 'rate', now), { ok: false, reason: 'malformed' }, bad);
  }
  assert.throws(() => signToken(keys.tokens, { purpose: 'rate', subscriber: reader, expiresAt: 0, scope: 'a.b' }), RangeError);
});
