// The whole path in a real browser (Debian's Chromium through playwright-core), against a listening server:
// subscribe, read the email, confirm, later unsubscribe and resubscribe. A screenshot of every page goes to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { freePort, launchChromium } from './support/browser.ts';
import { readFile } from 'node:fs/promises';
import { dateIn } from '../src/digest/calendar.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { ingestListing } from '../src/papers/ingest.ts';
import { ROOT } from '../src/paths.ts';
import { editionSettled, startDigestWorkers, waitFor } from './support/digest.ts';
import { unsubscribeUrl } from '../src/subscriptions/links.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { confirmLinkIn, startApp, subscriberByEmail, SUBSCRIPTION_TEST_ENV, type RunningApp } from './support/subscriptions.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

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
  browser = await launchChromium();
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
  await page.goto(unsubscribeUrl(context.env, context.services.keys, reader!.publicId));
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

/** The page is no wider than the phone: nothing scrolls sideways. */
async function assertFitsWidth(page: import('playwright-core').Page, what: string): Promise<void> {
  const [scrollWidth, width] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
  assert.ok(scrollWidth <= width, `${what} scrolls sideways: ${scrollWidth} px wide on a ${width} px screen`);
}

test('the README walkthrough, entirely inside the development outbox: confirm from the email’s button, leave from the digest’s footer', async () => {
  // SMTP_URL unset: mail goes to the development outbox, as with `npm start`.
  const port = await freePort();
  const outboxOrigin = `http://127.0.0.1:${port}`;
  const outbox = await createTestContext('browser-outbox', { ...SUBSCRIPTION_TEST_ENV, PUBLIC_URL: outboxOrigin, SMTP_URL: undefined });
  const app = await startApp(outbox);
  const digestWorkers = startDigestWorkers(outbox.services);
  const tab = await browser.newContext({ viewport: { width: 375, height: 812 } });
  try {
    assert.equal(outbox.services.mailer.kind, 'outbox');
    await app.app.listen({ host: '127.0.0.1', port });
    const page = await tab.newPage();
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `outbox-${name}.png`), fullPage: true });
    const address = 'walkthrough@example.org';

    // 1. Subscribe.
    await page.goto(`${outboxOrigin}/`);
    await page.getByLabel('Your email address').fill(address);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${outboxOrigin}/subscribe`);

    // 2. The confirmation email is in the outbox; its button opens the confirm page in a new tab.
    await page.goto(`${outboxOrigin}/dev/outbox`);
    const confirmation = page.getByRole('link', { name: 'Confirm your Paperboy subscription' });
    await waitFor(async () => (await confirmation.count()) > 0 || (await page.reload(), false), 'the confirmation in the outbox');
    await assertFitsWidth(page, 'the outbox');
    await shot('1-list');
    await confirmation.first().click();
    await page.waitForURL(/\/dev\/outbox\/\d+$/);
    await assertFitsWidth(page, 'a message in the outbox');
    await shot('2-confirmation');
    const preview = page.frameLocator('iframe[title="HTML part"]');
    const [confirmTab] = await Promise.all([
      tab.waitForEvent('page'),
      preview.getByRole('link', { name: 'Confirm my subscription' }).click(),
    ]);
    await confirmTab.waitForLoadState();
    assert.match(confirmTab.url(), new RegExp(`^${outboxOrigin}/confirm\\?token=`));
    assert.equal((await subscriberByEmail(outbox.services.pool, address))?.status, 'pending', 'opening the link confirms nothing');
    await confirmTab.getByRole('button', { name: 'Confirm my subscription' }).click();
    await confirmTab.waitForURL(`${outboxOrigin}/confirm`);
    assert.match(await confirmTab.locator('main').innerText(), /Your first digest arrives/);
    assert.equal((await subscriberByEmail(outbox.services.pool, address))?.status, 'confirmed');
    await confirmTab.close();

    // 3–4. `paperboy demo`, then `paperboy digest --wait`.
    const demo = await readFile(join(ROOT, 'fixtures', 'daily-papers-demo.json'), 'utf8');
    await ingestListing(outbox.services.pool, demo, { observedAt: new Date(), relistNewestAt: new Date(Date.now() - 30 * 60_000) });
    const date = dateIn(outbox.env.DIGEST_TZ);
    await enqueueDigest(outbox.services.queues, date);
    await waitFor(() => editionSettled(outbox.services.pool, date), 'the digest to be sent');

    // 5. The digest is in the outbox; its footer's unsubscribe link opens in a new tab and leaves in one click.
    await page.goto(`${outboxOrigin}/dev/outbox`);
    await page.getByRole('link', { name: /\+ 9 more$/ }).click();
    await page.waitForURL(/\/dev\/outbox\/\d+$/);
    await assertFitsWidth(page, 'the digest in the outbox');
    await shot('3-digest');
    const digest = page.frameLocator('iframe[title="HTML part"]');
    assert.equal(await digest.getByRole('heading', { level: 1 }).innerText(), 'The 10 papers rising fastest on Hugging Face');
    const [unsubscribeTab] = await Promise.all([
      tab.waitForEvent('page'),
      digest.getByRole('link', { name: 'Unsubscribe in one click' }).click(),
    ]);
    await unsubscribeTab.waitForLoadState();
    assert.match(unsubscribeTab.url(), new RegExp(`^${outboxOrigin}/unsubscribe\\?token=`));
    await unsubscribeTab.getByRole('button', { name: 'Unsubscribe' }).click();
    await unsubscribeTab.waitForURL(`${outboxOrigin}/unsubscribe`);
    assert.equal((await subscriberByEmail(outbox.services.pool, address))?.status, 'unsubscribed');
    await unsubscribeTab.close();

    // "View in browser" opens the edition's archive page, headed by its date.
    const [archiveTab] = await Promise.all([tab.waitForEvent('page'), digest.getByRole('link', { name: 'View in browser' }).click()]);
    await archiveTab.waitForLoadState();
    assert.equal(archiveTab.url(), `${outboxOrigin}/editions/${date}`);
    assert.match(await archiveTab.locator('h1').innerText(), /^\w+day, \d{1,2} \w+ \d{4}$/);
    await assertFitsWidth(archiveTab, 'the archive page');
    await archiveTab.screenshot({ path: join(ARTIFACTS, 'outbox-4-archive.png'), fullPage: true });

    // The preview stays isolated: no scripts, no same-origin access.
    const sandbox = await page.locator('iframe[title="HTML part"]').getAttribute('sandbox');
    assert.equal(sandbox, 'allow-popups allow-popups-to-escape-sandbox');
  } finally {
    await tab.close();
    await digestWorkers.close();
    await app.close();
    await outbox.close();
  }
});
