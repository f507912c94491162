import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveKeys } from '../src/security/keys.ts';
import { signToken, verifyToken } from '../src/security/tokens.ts';

const keys = deriveKeys('a-secret-key-for-tests-0123456789abcdef');
const now = Date.UTC(2026, 10, 28);
const confirm = signToken(keys.tokens, { purpose: 'confirm', subscriberId: 42, expiresAt: now / 1000 + 3600 });
const unsubscribe = signToken(keys.tokens, { purpose: 'unsubscribe', subscriberId: 42, expiresAt: 0 });

test('a token signed for a purpose verifies for that purpose and subscriber', () => {
  const check = verifyToken(keys.tokens, confirm, 'confirm', now);
  assert.deepEqual(check, { ok: true, claims: { purpose: 'confirm', subscriberId: 42, expiresAt: now / 1000 + 3600 } });
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
    [signToken(other.tokens, { purpose: 'unsubscribe', subscriberId: 42, expiresAt: 0 }), 'forged'],
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
