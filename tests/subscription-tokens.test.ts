// Links act only for the reader and the purpose they were made for: everything else is refused and changes nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deriveKeys } from '../src/security/keys.ts';
import { signToken } from '../src/security/tokens.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import {
  confirmTokenFor,
  legacyTokenFor,
  lifecycleSnapshot,
  postForm,
  startApp,
  SUBSCRIPTION_TEST_ENV,
  unsubscribeTokenFor,
  type RunningApp,
} from './support/subscriptions.ts';

let context: TestContext;
let running: RunningApp;
interface Reader {
  id: number;
  publicId: string;
}
let pending: Reader;
let confirmed: Reader;
let unsubscribed: Reader;
before(async () => {
  context = await createTestContext('subscription_tokens', SUBSCRIPTION_TEST_ENV);
  running = await startApp(context);
  const insert = async (email: string, status: string, extra = '') => {
    const { rows } = await context.services.pool.query<Reader>(
      `INSERT INTO subscribers (email_input, email, status${extra ? ', confirmed_at, unsubscribed_at' : ''})
       VALUES ($1, $1, $2${extra}) RETURNING id, replace(public_id::text, '-', '') AS "publicId"`,
      [email, status],
    );
    return rows[0]!;
  };
  pending = await insert('pending@example.org', 'pending');
  confirmed = await insert('confirmed@example.org', 'confirmed', ', now(), NULL');
  unsubscribed = await insert('unsubscribed@example.org', 'unsubscribed', ', now(), now()');
});
after(async () => {
  await running?.close();
  await context?.close();
});

/** Swaps the reader named inside a token's payload (a public id, or a row id in base 36) while keeping its signature. */
function withOtherReader(token: string, name: string): string {
  const [payload, signature] = token.split('.');
  const [purpose, , expiry] = Buffer.from(payload!, 'base64url').toString().split('.');
  return `${Buffer.from(`${purpose}.${name}.${expiry}`).toString('base64url')}.${signature}`;
}

const legacyName = (reader: Reader) => reader.id.toString(36);
const nobody: Reader = { id: 999_999, publicId: 'f'.repeat(32) };

function badTokens() {
  const confirm = confirmTokenFor(context, pending);
  const unsubscribe = unsubscribeTokenFor(context, confirmed);
  const otherKeys = deriveKeys('another-secret-key-that-is-long-enough-0000');
  const legacyUnsubscribe = legacyTokenFor(context.services.keys.tokens, 'unsubscribe', confirmed.id);
  const flip = (token: string) => token.slice(0, -2) + (token.endsWith('A') ? 'B' : 'A') + token.slice(-1);
  return {
    confirm: {
      forged: flip(confirm),
      'signed with another secret': signToken(otherKeys.tokens, { purpose: 'confirm', subscriber: pending, expiresAt: 0 }),
      truncated: confirm.slice(0, -6),
      'payload only': confirm.split('.')[0]!,
      'cross-purpose (an unsubscribe token)': unsubscribeTokenFor(context, pending),
      'another subscriber’s id with this signature': withOtherReader(confirmTokenFor(context, confirmed), pending.publicId),
      expired: confirmTokenFor(context, pending, Math.floor(Date.now() / 1000) - 60),
      oversized: `${confirm}.${'A'.repeat(600)}`,
      empty: '',
      'unknown subscriber (validly signed)': confirmTokenFor(context, nobody),
    },
    unsubscribe: {
      forged: flip(unsubscribe),
      'signed with another secret': signToken(otherKeys.tokens, { purpose: 'unsubscribe', subscriber: confirmed, expiresAt: 0 }),
      truncated: unsubscribe.slice(0, 20),
      'cross-purpose (a confirm token)': confirmTokenFor(context, confirmed),
      'another subscriber’s id with this signature': withOtherReader(unsubscribeTokenFor(context, pending), confirmed.publicId),
      'a row id with a public-id token’s signature': withOtherReader(unsubscribe, legacyName(confirmed)),
      'old format, forged': flip(legacyUnsubscribe),
      'old format, signed with another secret': legacyTokenFor(otherKeys.tokens, 'unsubscribe', confirmed.id),
      'old format, another subscriber’s id with this signature': withOtherReader(legacyUnsubscribe, legacyName(pending)),
      'old format, cross-purpose (a confirm token)': legacyTokenFor(context.services.keys.tokens, 'confirm', confirmed.id),
      oversized: 'A'.repeat(5000),
      'with spaces and markup': '<script>alert(1)</script> x',
      'unknown subscriber (validly signed)': unsubscribeTokenFor(context, nobody),
      'unknown subscriber (validly signed, old format)': legacyTokenFor(context.services.keys.tokens, 'unsubscribe', nobody.id),
    },
  };
}

test('forged, truncated, cross-purpose, other-subscriber, expired and unknown tokens are refused and change nothing', async () => {
  const tokens = badTokens();
  const routes = [
    { path: '/confirm', set: tokens.confirm },
    { path: '/unsubscribe', set: tokens.unsubscribe },
    {
      path: '/resubscribe',
      set: {
        ...tokens.unsubscribe,
        'for the unsubscribed reader, forged': withOtherReader(unsubscribeTokenFor(context, confirmed), unsubscribed.publicId),
      },
    },
  ];
  const before = await lifecycleSnapshot(context.services.pool);
  let tried = 0;
  for (const { path, set } of routes) {
    for (const [name, token] of Object.entries(set)) {
      const attempts = [
        { method: 'GET' as const, url: `${path}?token=${encodeURIComponent(token)}` },
        {
          method: 'POST' as const,
          url: path,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ token }).toString(),
        },
        {
          method: 'POST' as const,
          url: `${path}?token=${encodeURIComponent(token)}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'List-Unsubscribe=One-Click',
        },
        { method: 'POST' as const, url: path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token }) },
      ];
      for (const attempt of attempts) {
        const response = await running.app.inject(attempt);
        tried++;
        const label = `${attempt.method} ${path} ${name}`;
        const expected = name.startsWith('unknown') ? 404 : name === 'expired' ? 410 : 400;
        assert.equal(response.statusCode, expected, `${label}: ${response.body.slice(0, 160)}`);
        assert.doesNotMatch(response.body, /<script>alert/, `${label}: nothing echoed unescaped`);
        if (attempt.method === 'GET' || !attempt.headers?.['content-type'].includes('json')) {
          assert.match(response.body, /This link is not valid|has expired|could not find this subscription/, `${label}: the page explains`);
        }
      }
    }
  }
  assert.ok(tried >= 100);
  assert.equal(await lifecycleSnapshot(context.services.pool), before, 'no subscriber or event changed');
});

test('a missing token is a clear 400, for people and programs', async () => {
  for (const path of ['/confirm', '/unsubscribe', '/resubscribe']) {
    const page = await running.app.inject({ url: path });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /This link is not valid/);
    const json = await running.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(json.statusCode, 400);
    assert.equal(json.json().error, 'invalid_token');
    const array = await running.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json' },
      payload: '{"token":["a","b"]}',
    });
    assert.equal(array.statusCode, 400);
    assert.doesNotMatch(array.body, /must be|instancePath/, 'a sentence, not a validator dump');
  }
});

test('a valid token acts only for its own subscriber', async () => {
  const response = await running.app.inject({
    method: 'POST',
    url: '/unsubscribe',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ token: unsubscribeTokenFor(context, pending) }),
  });
  assert.equal(response.statusCode, 200);
  const { rows } = await context.services.pool.query<{ id: number; status: string }>('SELECT id, status FROM subscribers ORDER BY id');
  assert.deepEqual(
    rows.map((row) => [row.id, row.status]),
    [
      [pending.id, 'unsubscribed'],
      [confirmed.id, 'confirmed'],
      [unsubscribed.id, 'unsubscribed'],
    ],
  );
});

test('links of emails sent before public ids (a row id in the token) still unsubscribe, resubscribe and confirm their own reader', async () => {
  const insert = async (email: string, status: string) =>
    (
      await context.services.pool.query<{ id: number }>(
        `INSERT INTO subscribers (email_input, email, status, confirmed_at) VALUES ($1, $1, $2::subscriber_status, CASE WHEN $2::subscriber_status = 'confirmed' THEN now() END) RETURNING id`,
        [email, status],
      )
    ).rows[0]!.id;
  const statusOf = async (id: number) =>
    (await context.services.pool.query<{ status: string }>('SELECT status FROM subscribers WHERE id = $1', [id])).rows[0]!.status;
  const key = context.services.keys.tokens;
  const reader = await insert('old-link@example.org', 'confirmed');
  const leave = legacyTokenFor(key, 'unsubscribe', reader);

  const page = await running.app.inject({ url: `/unsubscribe?token=${leave}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /old-link@example\.org/, 'the page names the reader the old link was for');
  const left = await postForm(running.app, '/unsubscribe', { token: leave });
  assert.equal(left.statusCode, 200);
  assert.equal(await statusOf(reader), 'unsubscribed');
  const back = await postForm(running.app, '/resubscribe', { token: leave });
  assert.equal(back.statusCode, 200);
  assert.equal(await statusOf(reader), 'confirmed');

  const newcomer = await insert('old-confirm-link@example.org', 'pending');
  const confirm = legacyTokenFor(key, 'confirm', newcomer, Math.floor(Date.now() / 1000) + 3600);
  const confirmed = await postForm(running.app, '/confirm', { token: confirm });
  assert.equal(confirmed.statusCode, 200);
  assert.equal(await statusOf(newcomer), 'confirmed');
});
