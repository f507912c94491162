// Signed bounce and unsubscribe sub-addresses: they name one reader by public id, and cannot be made up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUnsubscribeMailtoAddress, parseVerpAddress, unsubscribeMailtoAddress, verpAddress } from '../src/mail/verp.ts';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const bounces = 'bounces@mail.paperboy.example';
const unsubscribe = 'unsubscribe@mail.paperboy.example';
const reader = '3f2c9a1e5b7d4c2a8e6f1b3d5c7a9e0f';
const otherReader = '3f2c9a1e5b7d4c2a8e6f1b3d5c7a9e0e';

/** What the release before public ids wrote with `key` (its verp.ts): the envelope senders of mail still out there. */
const LEGACY = {
  delivery123: 'bounces+d123.mnsbpykelq@mail.paperboy.example',
  confirmationOfMaxId: 'bounces+c9223372036854775807.mivwrl3jlt@mail.paperboy.example',
  unsubscribe42: 'unsubscribe+42.oh5662dg3u@mail.paperboy.example',
};

test('a bounce address names the reader of its digest or confirmation by public id and parses back to it', () => {
  const address = verpAddress(key, bounces, { kind: 'delivery', publicId: reader });
  assert.match(address, new RegExp(`^bounces\\+d${reader}\\.[a-z2-7]{10}@mail\\.paperboy\\.example$`));
  assert.deepEqual(parseVerpAddress(key, address, bounces), { kind: 'delivery', publicId: reader });

  const confirmation = verpAddress(key, bounces, { kind: 'confirmation', publicId: reader });
  assert.match(confirmation, new RegExp(`^bounces\\+c${reader}\\.`));
  assert.deepEqual(parseVerpAddress(key, confirmation, bounces), { kind: 'confirmation', publicId: reader });
});

test('a bounce address of mail sent before public ids (a row id) still parses, to that row', () => {
  assert.deepEqual(parseVerpAddress(key, LEGACY.delivery123, bounces), { kind: 'delivery', legacyId: '123' });
  assert.deepEqual(parseVerpAddress(key, LEGACY.confirmationOfMaxId, bounces), { kind: 'confirmation', legacyId: '9223372036854775807' });
  assert.equal(parseVerpAddress(otherKey, LEGACY.delivery123, bounces), null, 'with its own key only');
  assert.equal(parseVerpAddress(key, LEGACY.delivery123.replace('+d123.', '+d124.'), bounces), null);
  assert.equal(parseVerpAddress(key, LEGACY.delivery123.replace('+d123.', '+c123.'), bounces), null);
});

test('a delivery tag is not a confirmation tag, and another key or another reader does not verify', () => {
  const address = verpAddress(key, bounces, { kind: 'delivery', publicId: reader });
  const mac = /\.([a-z2-7]+)@/.exec(address)![1]!;
  const forged = [
    address.replace(`+d${reader}.`, `+c${reader}.`),
    address.replace(`+d${reader}.`, `+d${otherReader}.`),
    address.replace(`+d${reader}.`, `+d${reader.slice(1)}.`),
    address.replace(`+d${reader}.`, `+d0${reader}.`),
    address.replace(`.${mac}@`, `.${mac.slice(0, -1)}${mac.endsWith('a') ? 'b' : 'a'}@`),
    address.replace(`.${mac}@`, `.${mac.slice(0, -1)}@`),
    address.replace(`.${mac}@`, `.${mac}a@`),
    verpAddress(otherKey, bounces, { kind: 'delivery', publicId: reader }),
    address.replace('@mail.paperboy.example', '@elsewhere.example'),
    address.replace('bounces+', 'other+'),
    address.replace(`+d${reader}.`, `+x${reader}.`),
    'bounces@mail.paperboy.example',
    'bounces+@mail.paperboy.example',
    `bounces+d${reader}@mail.paperboy.example`,
    '@mail.paperboy.example',
    '',
    'not an address',
    `bounces+d${'9'.repeat(20)}.${mac}@mail.paperboy.example`,
    `bounces+d0123.${mac}@mail.paperboy.example`,
  ];
  for (const candidate of forged) assert.equal(parseVerpAddress(key, candidate, bounces), null, candidate);
  for (const garbage of [undefined, null, 42, {}, ['x'], `${'a'.repeat(10_000)}@x.org`]) {
    assert.equal(parseVerpAddress(key, garbage, bounces), null);
  }
});

test('a bounce address survives MTAs that change its case or wrap it in angle brackets', () => {
  const address = verpAddress(key, bounces, { kind: 'delivery', publicId: reader });
  assert.equal(address, address.toLowerCase(), 'we only ever write lower case');
  assert.deepEqual(parseVerpAddress(key, address.toUpperCase(), bounces), { kind: 'delivery', publicId: reader });
  assert.deepEqual(parseVerpAddress(key, `<${address}>`, bounces), { kind: 'delivery', publicId: reader });
  assert.deepEqual(parseVerpAddress(key, address, 'Bounces@MAIL.paperboy.example'), { kind: 'delivery', publicId: reader });
});

test('bounce addresses fit in a 64-octet local part, and only public ids are ever written (never a row id)', () => {
  const address = verpAddress(key, `${'b'.repeat(19)}@x.example`, { kind: 'delivery', publicId: reader });
  assert.equal(address.split('@')[0]!.length, 64);
  assert.throws(() => verpAddress(key, `${'b'.repeat(20)}@x.example`, { kind: 'delivery', publicId: reader }), RangeError);
  for (const publicId of ['123', '1', reader.toUpperCase(), `${reader}0`, reader.slice(1), '', `${reader.slice(0, -1)}g`]) {
    assert.throws(() => verpAddress(key, bounces, { kind: 'delivery', publicId }), RangeError, publicId);
  }
  assert.throws(() => verpAddress(key, 'no-at-sign', { kind: 'delivery', publicId: reader }), RangeError);
});

test('an unsubscribe mailto names the reader, survives case changes, and cannot be forged', () => {
  const address = unsubscribeMailtoAddress(key, unsubscribe, reader);
  assert.match(address, new RegExp(`^unsubscribe\\+${reader}\\.[a-z2-7]{10}@mail\\.paperboy\\.example$`));
  assert.ok(address.split('@')[0]!.length <= 64);
  assert.deepEqual(parseUnsubscribeMailtoAddress(key, address, unsubscribe), { publicId: reader });
  assert.deepEqual(parseUnsubscribeMailtoAddress(key, address.toUpperCase(), unsubscribe), { publicId: reader });
  assert.deepEqual(parseUnsubscribeMailtoAddress(key, `<${address}>`, unsubscribe), { publicId: reader });
  assert.deepEqual(parseUnsubscribeMailtoAddress(key, LEGACY.unsubscribe42, unsubscribe), { legacyId: 42 }, 'the mailto of an older email');

  const forged = [
    address.replace(reader, otherReader),
    unsubscribeMailtoAddress(otherKey, unsubscribe, reader),
    address.replace('unsubscribe+', 'bounces+'),
    address.replace('@mail.', '@post.'),
    `unsubscribe+${reader}@mail.paperboy.example`,
    'unsubscribe+.abcdefghij@mail.paperboy.example',
    LEGACY.unsubscribe42.replace('+42.', '+43.'),
    LEGACY.unsubscribe42.replace('+42.', '+042.'),
  ];
  for (const candidate of forged) assert.equal(parseUnsubscribeMailtoAddress(key, candidate, unsubscribe), null, candidate);
  assert.equal(parseUnsubscribeMailtoAddress(key, 12, unsubscribe), null);
});

test('a bounce MAC never passes as an unsubscribe MAC', () => {
  const bounce = verpAddress(key, unsubscribe, { kind: 'delivery', publicId: reader });
  assert.equal(parseUnsubscribeMailtoAddress(key, bounce, unsubscribe), null);
  const leave = unsubscribeMailtoAddress(key, bounces, reader);
  assert.equal(parseVerpAddress(key, leave, bounces), null);
});

test('the unsubscribe mailto is written for public ids only, and fits the local part', () => {
  for (const publicId of ['42', reader.toUpperCase(), 'a.b', '', `${reader}0`, `${reader.slice(0, 8)}-${reader.slice(8)}`]) {
    assert.throws(() => unsubscribeMailtoAddress(key, unsubscribe, publicId), RangeError, publicId);
  }
  assert.equal(unsubscribeMailtoAddress(key, `${'u'.repeat(20)}@x.example`, reader).split('@')[0]!.length, 64);
  assert.throws(() => unsubscribeMailtoAddress(key, `${'u'.repeat(21)}@x.example`, reader), RangeError);
});
