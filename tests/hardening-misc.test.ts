// The review's smaller findings: reserved domains refused, /docs only when asked for (and no redirect loop), token
// pages never cached, the rate limit counting only requests that could subscribe someone, the 429 page keeping
// what the person typed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { MESSAGES, normaliseAddress } from '../src/subscriptions/address.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { confirmTokenFor, subscribeByForm, subscribeByJson, SUBSCRIPTION_TEST_ENV, unsubscribeTokenFor } from './support/subscriptions.ts';

let context: TestContext;
let app: FastifyInstance;
before(async () => {
  context = await createTestContext('hardening_misc', { ...SUBSCRIPTION_TEST_ENV, SUBSCRIBE_RATE_LIMIT: '3' });
  app = await buildApp(context.services);
});
after(async () => {
  await app?.close();
  await context?.close();
});

test('special-use and reserved domains are refused with a sentence saying why', async () => {
  for (const address of [
    'ada@mail.invalid',
    'ada@printer.local',
    'ada@app.localhost',
    'ada@expyuzz4wqqyqhjn.onion',
    'ada@paperboy.test',
    'ada@1.0.0.127.in-addr.arpa',
    'ada@router.home.arpa',
  ]) {
    assert.deepEqual(normaliseAddress(address), { ok: false, message: MESSAGES.specialUse }, address);
  }
  assert.deepEqual(normaliseAddress('ada@yy--bad.org'), { ok: false, message: MESSAGES.reservedHyphens });
  assert.deepEqual(normaliseAddress('ada@mail.ab--cd.org'), { ok: false, message: MESSAGES.reservedHyphens });
  assert.equal(normaliseAddress('ada@xn--bcher-kva.de').ok, true, 'punycode labels are fine');
  assert.equal(normaliseAddress('ada@a-b--c.org').ok, true, '"--" elsewhere is fine');
  assert.equal(normaliseAddress('ada@example.org').ok, true);

  const answer = await subscribeByJson(app, { email: 'ada@printer.local' }, '192.0.2.200');
  assert.equal(answer.statusCode, 400);
  assert.match(answer.json().message, /reserved for tests or local networks/);
});

test('/docs is served only when DOCS_ENABLED (off by default in production), and its index never redirects to itself', async () => {
  const production = { ...context.env, NODE_ENV: 'production' as const };
  const closed = await buildApp({ ...context.services, env: { ...production, DOCS_ENABLED: undefined } });
  const open = await buildApp({ ...context.services, env: { ...production, DOCS_ENABLED: true } });
  try {
    assert.equal((await closed.inject({ url: '/docs' })).statusCode, 404);
    assert.equal((await closed.inject({ url: '/docs/json' })).statusCode, 404);
    assert.equal((await open.inject({ url: '/docs' })).statusCode, 200);
    // Follow the redirects as a browser would, at most five hops.
    let url = '/docs/static/index.html?x';
    const visited: string[] = [];
    for (let hop = 0; hop < 5; hop++) {
      const response = await open.inject({ url });
      visited.push(`${response.statusCode} ${url}`);
      if (response.statusCode < 300 || response.statusCode >= 400) break;
      url = response.headers.location!;
    }
    assert.equal(visited.at(-1), '200 /docs/', visited.join(' → '));
  } finally {
    await Promise.all([closed.close(), open.close()]);
  }
});

test('pages that carry a token are never stored by the browser (Cache-Control: no-store)', async () => {
  const { rows } = await context.services.pool.query<{ publicId: string }>(
    `INSERT INTO subscribers (email, email_input, status) VALUES ('cache@example.org', 'cache@example.org', 'pending') RETURNING replace(public_id::text, '-', '') AS "publicId"`,
  );
  const confirm = confirmTokenFor(context, rows[0]!);
  const unsubscribe = unsubscribeTokenFor(context, rows[0]!);
  for (const url of [
    `/confirm?token=${confirm}`,
    `/unsubscribe?token=${unsubscribe}`,
    `/resubscribe?token=${unsubscribe}`,
    '/confirm?token=forged',
  ]) {
    const response = await app.inject({ url });
    assert.equal(response.headers['cache-control'], 'no-store', url);
  }
  const posted = await app.inject({
    method: 'POST',
    url: '/confirm',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${confirm}`,
  });
  assert.equal(posted.statusCode, 200);
  assert.equal(posted.headers['cache-control'], 'no-store');
});

test('typos do not count against the limit: ten refused addresses, then three good ones, all answered as they deserve', async () => {
  const ip = '198.51.100.77';
  for (let i = 0; i < 10; i++) assert.equal((await subscribeByForm(app, { email: `typo${i}example.org` }, ip)).statusCode, 400);
  for (let i = 0; i < 3; i++) assert.equal((await subscribeByForm(app, { email: `typed${i}@example.org` }, ip)).statusCode, 202);
  assert.equal(
    (await subscribeByForm(app, { email: 'one.more@example.org' }, ip)).statusCode,
    429,
    'well-formed requests are still limited',
  );
});

test('the 429 page is the form again, with what the person typed', async () => {
  const ip = '198.51.100.78';
  for (let i = 0; i < 3; i++) await subscribeByForm(app, { email: `fill${i}@example.org` }, ip);
  const page = await subscribeByForm(app, { email: 'Patient.Reader+papers@example.org' }, ip);
  assert.equal(page.statusCode, 429);
  assert.match(page.body, /Too many attempts from your network/);
  assert.match(page.body, /value="Patient\.Reader\+papers@example\.org"/);
  assert.match(page.body, /<form[^>]+action="\/subscribe"/);
  const json = await subscribeByJson(app, { email: 'Patient.Reader+papers@example.org' }, ip);
  assert.equal(json.statusCode, 429);
  assert.equal(json.json().error, 'rate_limited');
});
