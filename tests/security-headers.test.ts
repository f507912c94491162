// Every answer carries helmet's security headers, computed once at boot (src/http/security-headers.ts):
// exactly the set @fastify/helmet gives with the same options, on pages, JSON, errors and refusals.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { SECURITY_HEADER_OPTIONS } from '../src/http/security-headers.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

/** Headers every HTTP answer has whatever the security policy: not what this test is about. */
const TRANSPORT = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
const securityPart = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !TRANSPORT.has(name)));

let context: TestContext;
let app: FastifyInstance;
let expected: Record<string, unknown>;
before(async () => {
  // Served over https: helmet's full set (over http, HSTS and upgrade-insecure-requests are left out: tests/hardening-http-origin).
  context = await createTestContext('security_headers', {
    ...SUBSCRIPTION_TEST_ENV,
    SUBSCRIBE_RATE_LIMIT: '1',
    PUBLIC_URL: 'https://paperboy.test',
  });
  app = await buildApp(context.services);
  // The reference: @fastify/helmet, per request, with the same options.
  const reference = Fastify();
  // The same helmet package; its types reach us once through its ESM and once through its CJS declarations.
  await reference.register(fastifyHelmet, SECURITY_HEADER_OPTIONS as unknown as FastifyHelmetOptions);
  reference.get('/', async () => ({ ok: true }));
  expected = securityPart((await reference.inject({ url: '/' })).headers);
  await reference.close();
});
after(async () => {
  await app?.close();
  await context?.close();
});

test('the security headers are the same set as @fastify/helmet gives, and the CSP keeps our directives', () => {
  assert.ok(Object.keys(expected).length >= 10, `helmet gives its full set: ${Object.keys(expected).join(', ')}`);
  assert.match(String(expected['content-security-policy']), /form-action 'self'/);
  assert.match(String(expected['content-security-policy']), /script-src 'self'/);
  assert.equal(expected['x-frame-options'], 'SAMEORIGIN');
});

test('pages, JSON answers, errors and refusals all carry exactly those headers', async () => {
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  const requests = [
    { name: 'subscribe page', method: 'GET', url: '/' },
    { name: 'accepted subscription', method: 'POST', url: '/subscribe', headers: json, payload: '{"email":"headers@example.org"}' },
    { name: 'rate limited', method: 'POST', url: '/subscribe', headers: json, payload: '{"email":"headers-2@example.org"}' },
    { name: 'bad address', method: 'POST', url: '/subscribe', headers: json, payload: '{"email":"nope"}', remoteAddress: '198.51.100.1' },
    { name: 'bad token page', method: 'GET', url: '/confirm?token=x' },
    { name: 'not found', method: 'GET', url: '/no-such-page' },
    { name: 'malformed url (answered by the router)', method: 'GET', url: '/confirm%E0%A4%A' },
    { name: 'health', method: 'GET', url: '/healthz' },
  ] as const;
  const statuses: number[] = [];
  for (const { name, ...request } of requests) {
    const response = await app.inject(request);
    statuses.push(response.statusCode);
    const headers = securityPart(response.headers);
    delete headers['retry-after'];
    // Pages that carry a token are never cached (tests/hardening-misc.test.ts): that one header besides helmet's.
    if (name === 'bad token page') {
      assert.equal(headers['cache-control'], 'no-store', `${name}: cache-control`);
      delete headers['cache-control'];
    }
    for (const [header, value] of Object.entries(headers)) {
      if (!(header in expected))
        assert.match(header, /^x-ratelimit-/, `${name}: no header beyond helmet's but the rate limit's (${header})`);
      else assert.equal(value, expected[header], `${name}: ${header}`);
    }
    for (const [header, value] of Object.entries(expected)) assert.equal(headers[header], value, `${name}: ${header}`);
  }
  assert.deepEqual(statuses, [200, 202, 429, 400, 400, 404, 400, 200], 'each answer is the one it stands for');
});
