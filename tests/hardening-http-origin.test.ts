// Served over plain http from an address that is not loopback (a LAN name, a VPS before TLS, Docker on a server),
// the forms still post to where the page came from: no upgrade-insecure-requests, no HSTS. Over https, both.
// A real Chromium, with a hostname mapped to 127.0.0.1 (--host-resolver-rules) so it is not a "localhost" origin.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { freePort, launchChromium } from './support/browser.ts';
import { buildApp } from '../src/http/app.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { startApp, SUBSCRIPTION_TEST_ENV, type RunningApp } from './support/subscriptions.ts';

const HOST = 'paperboy.lan';

let context: TestContext;
let running: RunningApp;
let browser: Browser;
let origin: string;
before(async () => {
  const port = await freePort();
  origin = `http://${HOST}:${port}`;
  context = await createTestContext('hardening_http_origin', { ...SUBSCRIPTION_TEST_ENV, PUBLIC_URL: origin });
  running = await startApp(context);
  await running.app.listen({ host: '127.0.0.1', port });
  browser = await launchChromium([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`]);
});
after(async () => {
  await browser?.close();
  await running?.close();
  await context?.close();
});

test('on a plain-http origin that is not loopback, pressing Subscribe posts over http and the reader is subscribed', async () => {
  const page = await browser.newPage();
  try {
    const response = await page.goto(`${origin}/`);
    assert.equal(response?.status(), 200);
    await page.getByLabel('Your email address').fill('lan.reader@example.org');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${origin}/subscribe`, { timeout: 10_000 });
    assert.match(await page.locator('h1').innerText(), /inbox/i);
    const { rows } = await context.services.pool.query('SELECT 1 FROM subscribers WHERE email = $1', ['lan.reader@example.org']);
    assert.equal(rows.length, 1, 'the subscription was stored');
  } finally {
    await page.close();
  }
});

test('over http no HSTS and no upgrade-insecure-requests; over https both', async () => {
  const plain = await running.app.inject({ url: '/' });
  assert.equal(plain.headers['strict-transport-security'], undefined);
  assert.doesNotMatch(String(plain.headers['content-security-policy']), /upgrade-insecure-requests/);
  assert.match(String(plain.headers['content-security-policy']), /form-action 'self'/, 'the rest of the policy stays');

  const secure = await buildApp({ ...context.services, env: { ...context.env, PUBLIC_URL: 'https://paperboy.example' } });
  try {
    const answer = await secure.inject({ url: '/' });
    assert.match(String(answer.headers['strict-transport-security']), /max-age=\d+/);
    assert.match(String(answer.headers['content-security-policy']), /upgrade-insecure-requests/);
    const refused = await secure.inject({ url: '/confirm%E0%A4%A' });
    assert.match(String(refused.headers['strict-transport-security']), /max-age=\d+/, 'router refusals too');
  } finally {
    await secure.close();
  }
});
