// The whole path in a real browser (Debian's Chromium through playwright-core), against a listening server:
// subscribe, read the email, confirm, later unsubscribe and resubscribe. A screenshot of every page goes to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from '../src/paths.ts';
import { unsubscribeUrl } from '../src/subscriptions/links.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { confirmLinkIn, startApp, subscriberByEmail, SUBSCRIPTION_TEST_ENV, type RunningApp } from './support/subscriptions.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let context: TestContext;
let running: RunningApp;
let browser: Browser;
let origin: string;
before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  // PUBLIC_URL is the listening server, so the links in the emails open in the browser as they are.
  context = await createTestContext('browser', { ...SUBSCRIPTION_TEST_ENV, PUBLIC_URL: origin });
  running = await startApp(context);
  await running.app.listen({ host: '127.0.0.1', port });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await running?.close();
  await context?.close();
});

test('a reader subscribes, confirms from the email, and later unsubscribes, all in a real browser', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const address = 'browser.reader+papers@example.org';

  await page.goto(`${origin}/`);
  await shot('1-subscribe');
  assert.match(await page.locator('h1').innerText(), /trending research papers/);
  const field = page.getByLabel('Your email address');
  await field.fill(address);
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.waitForURL(`${origin}/subscribe`);
  await shot('2-check-your-inbox');
  assert.equal(await page.locator('h1').innerText(), 'Check your inbox');

  const [mail] = await context.smtp.waitForMessages(1);
  assert.deepEqual(mail!.envelopeTo, [address]);
  const link = confirmLinkIn(mail!);
  assert.equal(link.origin, origin);
  await page.goto(link.toString());
  await shot('3-confirm');
  assert.equal((await subscriberByEmail(context.services.pool, address))?.status, 'pending', 'opening the link confirms nothing');
  await page.getByRole('button', { name: 'Confirm my subscription' }).click();
  await page.waitForURL(`${origin}/confirm`);
  await shot('4-confirmed');
  assert.match(await page.locator('main').innerText(), /Your first digest arrives/);
  const reader = await subscriberByEmail(context.services.pool, address);
  assert.equal(reader?.status, 'confirmed');

  // Later: the unsubscribe link at the bottom of a digest.
  await page.goto(unsubscribeUrl(context.env, context.services.keys, reader!.id));
  await shot('5-unsubscribe');
  assert.equal((await subscriberByEmail(context.services.pool, address))?.status, 'confirmed', 'opening the link unsubscribes nobody');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.waitForURL(`${origin}/unsubscribe`);
  await shot('6-unsubscribed');
  assert.equal((await subscriberByEmail(context.services.pool, address))?.status, 'unsubscribed');

  await page.getByRole('button', { name: 'Resubscribe' }).click();
  await page.waitForURL(`${origin}/resubscribe`);
  await shot('7-resubscribed');
  assert.equal((await subscriberByEmail(context.services.pool, address))?.status, 'confirmed');
  await page.close();
});

test('the subscribe page shows a mistake next to the field, and reads well in dark mode', async () => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 }, colorScheme: 'dark' });
  await page.goto(`${origin}/`);
  const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
  assert.equal(background, 'rgb(23, 22, 20)', 'dark mode colours apply');
  await page.getByLabel('Your email address').fill('not an address');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${origin}/subscribe`);
  await page.screenshot({ path: join(ARTIFACTS, '8-mistake-dark.png'), fullPage: true });
  const alert = page.getByRole('alert');
  assert.match(await alert.innerText(), /cannot contain spaces/);
  assert.equal(await page.getByLabel('Your email address').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Your email address').inputValue(), 'not an address', 'what was typed is kept');
  // Keyboard users see where they are.
  await page.getByLabel('Your email address').focus();
  const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
  assert.notEqual(outline, 'none');
  await page.close();
});
