// The operator's console in a real browser (Chromium through playwright-core) against a listening server with a
// seeded history: log in, see each chart drawn with the seeded figures (read from the uPlot charts themselves),
// screenshots at 1280 and 375 px, resume the paused edition, find a reader and erase them.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import argon2 from 'argon2';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { dateIn } from '../src/digest/calendar.ts';
import { buildApp } from '../src/http/app.ts';
import { ROOT } from '../src/paths.ts';
import { erasedAddressKey } from '../src/security/keys.ts';
import { ADMIN_PASSWORD } from './support/admin.ts';
import { launchChromium } from './support/browser.ts';
import { seedDashboardHistory, type SeededHistory } from './support/dashboard-seed.ts';
import { freePort } from './support/ports.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'admin');

let context: TestContext;
let app: FastifyInstance;
let browser: Browser;
let origin: string;
let seeded: SeededHistory;
before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const hash = await argon2.hash(ADMIN_PASSWORD, { type: argon2.argon2id });
  context = await createTestContext('admin-browser', { PUBLIC_URL: origin, ADMIN_PASSWORD_HASH: hash });
  seeded = await seedDashboardHistory(context.database.pool, dateIn('UTC'));
  app = await buildApp(context.services);
  await app.listen({ host: '127.0.0.1', port });
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await app?.close();
  await context?.close();
});

async function logIn(page: Page): Promise<void> {
  await page.goto(`${origin}/admin`);
  await page.waitForURL(`${origin}/admin/login`);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${origin}/admin`);
}

type ChartData = Record<'readers' | 'editions' | 'reports', { drawn: boolean; data: (number | null)[][]; canvas: boolean }>;

/** What each uPlot chart holds and whether it drew, once all three have (run in the page: no DOM types here). */
async function chartsOf(page: Page): Promise<ChartData> {
  await page.waitForFunction(
    "window.paperboyCharts && ['readers', 'editions', 'reports'].every((name) => window.paperboyCharts[name]?.drawn === true)",
    undefined,
    { timeout: 10_000 },
  );
  return page.evaluate<ChartData>(
    `Object.fromEntries(Object.entries(window.paperboyCharts).map(([name, chart]) => [name, {
       drawn: chart.drawn, data: chart.data.map((series) => Array.from(series)), canvas: chart.root.querySelector('canvas') !== null }]))`,
  );
}

test('the dashboard draws readers, editions and reports from the seeded history, on a laptop and on a phone', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // A missing favicon is no failure of ours; a script error or a CSP refusal is.
  page.on(
    'console',
    (message) => message.type() === 'error' && !/Failed to load resource/.test(message.text()) && errors.push(message.text()),
  );
  await logIn(page);
  const charts = await chartsOf(page);
  assert.deepEqual(errors, [], 'no script error, nothing refused by the CSP');
  for (const chart of Object.values(charts)) assert.ok(chart.canvas && chart.drawn);

  // Readers: 90 days; series 1..4 are confirmed, pending, unsubscribed, suppressed.
  const readers = charts.readers.data;
  assert.equal(readers[0]!.length, 90);
  assert.deepEqual(
    readers.slice(1).map((series) => series.at(-1)),
    [seeded.now.confirmed, seeded.now.pending, seeded.now.unsubscribed, seeded.now.suppressed],
  );
  assert.equal(readers[1]!.at(-21), seeded.confirmed20DaysAgo);
  assert.equal(readers[1]![0], 0, 'nobody had confirmed 89 days ago');

  // Editions: stacked bars drawn largest first (open total, +skipped, +failed, sent), then the send time.
  const editions = charts.editions.data;
  const expected = seeded.editions;
  assert.deepEqual(
    editions[4],
    expected.map((edition) => edition.sent),
  );
  assert.deepEqual(
    editions[3],
    expected.map((edition) => edition.sent + edition.failed),
  );
  assert.deepEqual(
    editions[1],
    expected.map((edition) => edition.sent + edition.failed + edition.skipped + edition.open),
  );
  assert.deepEqual(
    editions[5]!.map((seconds) => Math.round(seconds ?? -1)),
    [90, 90, 90],
  );

  // Reports: the bounce two days ago, the complaint yesterday, and yesterday's rate (1 complaint / 2 sent).
  const reports = charts.reports.data;
  assert.equal(reports[1]!.at(-3), 1);
  assert.equal(reports[2]!.at(-2), 1);
  assert.equal(reports[3]!.at(-2), 50);
  assert.match(await page.locator('#complaint-rate').innerText(), /over the 0\.3 %/);
  assert.equal(await page.locator('#complaint-rate').getAttribute('class'), 'flag');

  // Queues and the paused edition.
  assert.match(await page.locator('#queues').innerText(), /deliveries/);
  assert.match(await page.getByRole('alert').innerText(), new RegExp(`${seeded.pausedDate} is paused`));
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-1280.png'), fullPage: true });

  await page.setViewportSize({ width: 375, height: 812 });
  await page.reload();
  const phone = await chartsOf(page);
  assert.deepEqual(phone.readers.data, charts.readers.data);
  const [scrollWidth, width] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
  assert.ok(scrollWidth <= width, `the dashboard scrolls sideways on a phone: ${scrollWidth} > ${width}`);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-375.png'), fullPage: true });
  await page.close();
});

test('Resume on the dashboard resumes the paused edition (as `paperboy digest --resume`)', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page);
  await page.getByRole('button', { name: `Resume ${seeded.pausedDate}` }).click();
  await page.waitForURL(`${origin}/admin/editions/${seeded.pausedDate}`);
  const { rows } = await context.database.pool.query('SELECT paused_at FROM editions WHERE edition_date = $1', [seeded.pausedDate]);
  assert.equal(rows[0].paused_at, null);
  const { rows: requeued } = await context.database.pool.query(
    `SELECT count(*)::int AS n FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE e.edition_date = $1 AND d.status = 'queued'`,
    [seeded.pausedDate],
  );
  assert.ok(requeued[0].n > seeded.editions.at(-1)!.open, 'the refused deliveries of confirmed readers are queued again');
  assert.match(await page.locator('#papers').innerText(), /A paper/);
  await page.close();
});

test('bull-board shows the queues at /admin/queues, behind the same login', async () => {
  const anonymous = await browser.newPage();
  await anonymous.goto(`${origin}/admin/queues`);
  assert.equal(new URL(anonymous.url()).pathname, '/admin/login');
  await anonymous.close();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page);
  await page.goto(`${origin}/admin/queues`);
  await page.getByText('deliveries', { exact: false }).first().waitFor({ timeout: 10_000 });
  assert.match(await page.locator('body').innerText(), /confirmations/);
  await page.screenshot({ path: join(ARTIFACTS, 'queues-1280.png') });
  await page.close();
});

test('the operator finds a reader by the start of their address, erases them, and nothing of them is left', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page);
  await page.getByRole('link', { name: 'Readers' }).click();
  await page.getByLabel('Address, or its beginning').fill('bounced.rea');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: seeded.bouncedEmail }).click();
  assert.equal(await page.locator('#reader-status').innerText(), 'suppressed');
  assert.match(await page.locator('main').innerText(), /550 5\.1\.1 no such user/);
  await page.screenshot({ path: join(ARTIFACTS, 'reader-1280.png'), fullPage: true });
  await page.getByRole('button', { name: 'Erase…' }).click();
  await page.getByRole('button', { name: 'Erase for good' }).click();
  assert.match(await page.locator('main').innerText(), /kept as a keyed hash/);

  const { pool } = context.database;
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  for (const { name } of tables) {
    const { rows } = await pool.query(`SELECT t::text AS row FROM ${name} t WHERE position('bounced.reader' IN lower(t::text)) > 0`);
    assert.deepEqual(rows, [], `${name} still mentions the reader`);
  }
  const { rows: kept } = await pool.query(`SELECT email FROM suppressions WHERE erased_at IS NOT NULL`);
  assert.deepEqual(kept, [{ email: erasedAddressKey(context.services.keys, seeded.bouncedEmail) }]);
  await page.close();
});
