// Signed bounce and unsubscribe sub-addresses: they name one delivery or one reader, and cannot be made up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUnsubscribeMailtoAddress, parseVerpAddress, unsubscribeMailtoAddress, verpAddress } from '../src/mail/verp.ts';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const bounces = 'bounces@mail.paperboy.example';
const unsubscribe = 'unsubscribe@mail.paperboy.example';

test('a bounce address names its delivery or confirmation and parses back to it', () => {
  const address = verpAddress(key, bounces, { kind: 'delivery', id: 123 });
  assert.match(address, /^bounces\+d123\.[a-z2-7]{10}@mail\.paperboy\.example$/);
  assert.deepEqual(parseVerpAddress(key, address, bounces), { kind: 'delivery', id: '123' });

  const confirmation = verpAddress(key, bounces, { kind: 'confirmation', id: '9223372036854775807' });
  assert.match(confirmation, /^bounces\+c9223372036854775807\./);
  assert.deepEqual(parseVerpAddress(key, confirmation, bounces), { kind: 'confirmation', id: '9223372036854775807' });
  assert.equal(verpAddress(key, bounces, { kind: 'delivery', id: '123' }), address, 'a pg bigint string and a number agree');
});

test('a delivery tag is not a confirmation tag, and another key or another id does not verify', () => {
  const address = verpAddress(key, bounces, { kind: 'delivery', id: 123 });
  const mac = /\.([a-z2-7]+)@/.exec(address)![1]!;
  const forged = [
    address.replace('+d123.', '+c123.'),
    address.replace('+d123.', '+d124.'),
    address.replace(`.${mac}@`, `.${mac.slice(0, -1)}${mac.endsWith('a') ? 'b' : 'a'}@`),
    address.replace(`.${mac}@`, `.${mac.slice(0, -1)}@`),
    address.replace(`.${mac}@`, `.${mac}a@`),
    verpAddress(otherKey, bounces, { kind: 'delivery', id: 123 }),
    address.replace('@mail.paperboy.example', '@elsewhere.example'),
    address.replace('bounces+', 'other+'),
    address.replace('+d123.', '+d0123.'),
    address.replace('+d123.', '+x123.'),
    'bounces@mail.paperboy.example',
    'bounces+@mail.paperboy.example',
    'bounces+d123@mail.paperboy.example',
    '@mail.paperboy.example',
    '',
    'not an address',
    `bounces+d${'9'.repeat(19)}.${mac}@mail.paperboy.example`,
  ];
  for (const candidate of forged) assert.equal(parseVerpAddress(key, candidate, bounces), null, candidate);
  for (const garbage of [undefined, null, 42, {}, ['x'], `${'a'.repeat(10_000)}@x.org`]) {
    assert.equal(parseVerpAddress(key, garbage, bounces), null);
  }
});

test('a bounce address survives MTAs that change its case or wrap it in angle brackets', () => {
  const address = verpAddress(key, bounces, { kind: 'delivery', id: 77 });
  assert.equal(address, address.toLowerCase(), 'we only ever write lower case');
  assert.deepEqual(parseVerpAddress(key, address.toUpperCase(), bounces), { kind: 'delivery', id: '77' });
  assert.deepEqual(parseVerpAddress(key, `<${address}>`, bounces), { kind: 'delivery', id: '77' });
  assert.deepEqual(parseVerpAddress(key, address, 'Bounces@MAIL.paperboy.example'), { kind: 'delivery', id: '77' });
});

test('bounce addresses fit in a 64-octet local part, and ids that are not row ids are refused', () => {
  const longest = verpAddress(key, bounces, { kind: 'delivery', id: '9223372036854775807' });
  assert.ok(longest.split('@')[0]!.length <= 64);
  assert.throws(() => verpAddress(key, `${'b'.repeat(40)}@x.example`, { kind: 'delivery', id: '9223372036854775807' }), RangeError);
  for (const id of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, '', '01', '12a', '9223372036854775808']) {
    assert.throws(() => verpAddress(key, bounces, { kind: 'delivery', id }), RangeError, String(id));
  }
  assert.throws(() => verpAddress(key, 'no-at-sign', { kind: 'delivery', id: 1 }), RangeError);
});

test('an unsubscribe mailto names the reader, survives case changes, and cannot be forged', () => {
  const publicId = '3f2c9a1e-7b4d-4e21-9a8f-0c1d2e3f4a5b';
  const address = unsubscribeMailtoAddress(key, unsubscribe, publicId);
  assert.match(address, /^unsubscribe\+3f2c9a1e-7b4d-4e21-9a8f-0c1d2e3f4a5b\.[a-z2-7]{10}@mail\.paperboy\.example$/);
  assert.ok(address.split('@')[0]!.length <= 64);
  assert.equal(parseUnsubscribeMailtoAddress(key, address, unsubscribe), publicId);
  assert.equal(parseUnsubscribeMailtoAddress(key, address.toUpperCase(), unsubscribe), publicId);
  assert.equal(parseUnsubscribeMailtoAddress(key, `<${address}>`, unsubscribe), publicId);

  const forged = [
    address.replace('3f2c9a1e', '3f2c9a1f'),
    unsubscribeMailtoAddress(otherKey, unsubscribe, publicId),
    address.replace('unsubscribe+', 'bounces+'),
    address.replace('@mail.', '@post.'),
    `unsubscribe+${publicId}@mail.paperboy.example`,
    'unsubscribe+.abcdefghij@mail.paperboy.example',
  ];
  for (const candidate of forged) assert.equal(parseUnsubscribeMailtoAddress(key, candidate, unsubscribe), null, candidate);
  assert.equal(parseUnsubscribeMailtoAddress(key, 12, unsubscribe), null);
});

test('a bounce MAC never passes as an unsubscribe MAC', () => {
  const bounce = verpAddress(key, unsubscribe, { kind: 'delivery', id: 5 });
  assert.equal(parseUnsubscribeMailtoAddress(key, bounce, unsubscribe), null);
  const leave = unsubscribeMailtoAddress(key, bounces, 'd5');
  assert.equal(parseVerpAddress(key, leave, bounces), null);
});

test('public ids must be lower case and short enough for the local part', () => {
  for (const publicId of ['Abc', 'a.b', '', '-a', 'a-', 'a b', 'x'.repeat(53)]) {
    assert.throws(() => unsubscribeMailtoAddress(key, unsubscribe, publicId), RangeError, publicId);
  }
  assert.ok(unsubscribeMailtoAddress(key, unsubscribe, 'x'.repeat(41)));
  assert.throws(() => unsubscribeMailtoAddress(key, unsubscribe, 'x'.repeat(42)), RangeError);
});
