// Behind a reverse proxy the client's address is the one the trusted proxy added to X-Forwarded-For, never one the
// client wrote: a client that sends its own header cannot pick its own rate-limit counter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseEnv } from '../src/config/env.ts';
import { buildApp } from '../src/http/app.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

const PROXY = '127.0.0.1';

function subscribeThroughProxy(app: FastifyInstance, email: string, forwardedFor: string, remoteAddress = PROXY) {
  return app.inject({
    method: 'POST',
    url: '/subscribe',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    payload: JSON.stringify({ email }),
    remoteAddress,
  });
}

/** 30 subscribes from one client that sends `X-Forwarded-For: 203.0.113.<i>`, as nginx's $proxy_add_x_forwarded_for passes it on. */
async function spoofingClient(app: FastifyInstance, label: string, client: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) {
    statuses.push((await subscribeThroughProxy(app, `${label}${i}@example.org`, `203.0.113.${i}, ${client}`)).statusCode);
  }
  return statuses;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

for (const trust of ['1', PROXY, '127.0.0.0/8, ::1']) {
  let context: TestContext;
  let app: FastifyInstance;
  const label = `proxy${trust.length}`;
  before(async () => {
    context = await createTestContext(`hardening_proxy_${trust.length}`, {
      ...SUBSCRIPTION_TEST_ENV,
      TRUST_PROXY: trust,
      SUBSCRIBE_RATE_LIMIT: '10',
    });
    app = await buildApp(context.services);
  });
  after(async () => {
    await app?.close();
    await context?.close();
  });

  test(`TRUST_PROXY=${trust}: a client that forges X-Forwarded-For is still held to 10 subscribes`, async () => {
    const statuses = await spoofingClient(app, label, '198.51.100.7');
    assert.equal(count(statuses, 202), 10, `accepted: ${statuses.join(' ')}`);
    assert.equal(count(statuses, 429), 20);
    // Another client behind the same proxy has a counter of its own.
    assert.equal((await subscribeThroughProxy(app, `${label}-other@example.org`, '198.51.100.8')).statusCode, 202);
  });

  // A hop count believes whoever is connected to be the proxy (the port must be reachable only from it);
  // a list of proxy addresses also holds when a client reaches the port directly.
  if (trust === '1') continue;
  test(`TRUST_PROXY=${trust}: a client that reaches the port directly is counted by its own address, whatever header it sends`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await subscribeThroughProxy(app, `${label}-direct${i}@example.org`, `203.0.113.${i}`, '192.0.2.55')).statusCode);
    }
    assert.equal(count(statuses, 202), 10, `accepted: ${statuses.join(' ')}`);
  });
}

test('TRUST_PROXY=true is refused with a sentence saying why and what to give instead', () => {
  assert.throws(
    () => parseEnv({ TRUST_PROXY: 'true' }),
    /TRUST_PROXY must not be true: that believes whatever X-Forwarded-For a client sends/,
  );
  assert.throws(() => parseEnv({ TRUST_PROXY: 'yes please' }), /TRUST_PROXY must be false, a hop count, or proxy addresses\/CIDRs/);
  assert.throws(() => parseEnv({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/);
  assert.equal(parseEnv({}).TRUST_PROXY, false);
  assert.equal(parseEnv({ TRUST_PROXY: '2' }).TRUST_PROXY, 2);
  assert.deepEqual(parseEnv({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,loopback' }).TRUST_PROXY, ['10.0.0.1', '172.16.0.0/12', 'loopback']);
});
