// The console's pure decisions: the complaint rate against the providers' limit, the erased address's keyed hash,
// the JSON a page embeds for its charts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embeddedJson } from '../src/http/pages/admin/dashboard.ts';
import { complaintRate, formatRate } from '../src/mail/complaint-rate.ts';
import { deriveKeys, erasedAddressKey } from '../src/security/keys.ts';

test('the complaint rate is ok below 0.1 %, close from 0.1 % and over from the 0.3 % Gmail and Yahoo enforce', () => {
  assert.deepEqual(complaintRate(0, 0), { rate: 0, status: 'ok' });
  assert.equal(complaintRate(9, 10_000).status, 'ok');
  assert.equal(complaintRate(10, 10_000).status, 'close');
  assert.equal(complaintRate(29, 10_000).status, 'close');
  assert.equal(complaintRate(30, 10_000).status, 'over');
  assert.equal(complaintRate(1, 2).rate, 0.5);
  assert.equal(formatRate(0.003), '0.30 %');
  assert.equal(formatRate(1 / 9), '11.11 %');
});

test("an erased address's key is a keyed hash: the same for any case, different under another SECRET_KEY, never an address", () => {
  const keys = deriveKeys('a-secret-key-for-tests-0123456789abcdef');
  const key = erasedAddressKey(keys, 'Ada@Example.org');
  assert.match(key, /^erased:[0-9a-f]{64}$/);
  assert.equal(erasedAddressKey(keys, 'ada@example.org'), key);
  assert.notEqual(erasedAddressKey(keys, 'ada2@example.org'), key);
  assert.notEqual(erasedAddressKey(deriveKeys('another-secret-key-for-tests-0123456789'), 'ada@example.org'), key);
  assert.ok(!key.includes('@') && !key.includes('ada'));
});

test('the JSON a page embeds for its charts cannot close its script element', () => {
  const text = embeddedJson({ title: '</script><script>alert(1)</script>' });
  assert.ok(!text.includes('<'));
  assert.deepEqual(JSON.parse(text), { title: '</script><script>alert(1)</script>' });
});
