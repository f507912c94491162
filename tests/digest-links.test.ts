// Every link of a sent digest, against a listening server: plain GETs (a link scanner) record no rating, change no
// setting and unsubscribe no one; in real Chromium the rating page records one rating with its POST, and the
// preferences page saves from its form. Screenshots go to test-artifacts/preferences/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.ts';
import { freePort } from './support/ports.ts';
import { saveReaderSettings } from '../src/db/reader-settings.ts';
import { buildApp } from '../src/http/app.ts';
import { ROOT } from '../src/paths.ts';
import { applySettings, defaultSettingsFor } from '../src/subscriptions/preferences.ts';
import { insertPapers, insertSubscribers, sendEdition, upcomingDate } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'preferences');

let context: TestContext;
let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let origin: string;
before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  context = await createTestContext('digest-links', { PUBLIC_URL: origin });
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

/** Everything a scanner could see changed: ratings, settings, subscriber states. */
async function snapshot(): Promise<string> {
  const { pool } = context.database;
  const parts = await Promise.all([
    pool.query('SELECT subscriber_id, paper_id, vote FROM ratings ORDER BY 1, 2'),
    pool.query('SELECT subscriber_id, size, topics_include, updated_at FROM reader_settings ORDER BY 1'),
    pool.query('SELECT id, status, updated_at FROM subscribers ORDER BY id'),
    pool.query('SELECT count(*)::int AS n FROM subscriber_events'),
  ]);
  return JSON.stringify(parts.map((part) => part.rows));
}

let digestHtml = '';
let digestText = '';

test('opening every link of a digest with plain GETs records nothing, changes nothing and unsubscribes no one', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  await insertPapers(pool, [
    { title: 'Diffusion for links', upvotes: 90 },
    { title: 'Second paper', upvotes: 80 },
    { title: 'Third paper', upvotes: 70 },
    { title: 'Fourth paper', upvotes: 60 },
  ]);
  const [shared, personal] = await insertSubscribers(pool, [
    { email: 'shared@example.org', status: 'confirmed' },
    { email: 'personal@example.org', status: 'confirmed' },
  ]);
  await saveReaderSettings(pool, personal!, applySettings(defaultSettingsFor(context.env), { topics: { include: ['diffusion'] } }), 7);
  assert.deepEqual(await sendEdition(context.services, date), { sent: 2 });
  const before = await snapshot();
  let opened = 0;
  const kinds = new Set<string>();
  for (const message of context.smtp.messages) {
    const html = message.parsed.html as string;
    const text = message.parsed.text!;
    if (message.envelopeTo.includes('personal@example.org')) [digestHtml, digestText] = [html, text];
    const links = new Set([
      ...[...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!.replaceAll('&amp;', '&')),
      ...[...text.matchAll(/https?:\/\/\S+/g)].map((match) => match[0]),
    ]);
    const list = message.parsed.headers.get('list') as { unsubscribe: { url: string } };
    links.add(list.unsubscribe.url);
    for (const link of links) {
      if (!link.startsWith(origin)) continue; // papers, code and Hugging Face are not ours
      kinds.add(new URL(link).pathname);
      for (const method of ['GET', 'HEAD'] as const) {
        const response = await fetch(link, { method, redirect: 'manual' });
        assert.ok(response.status < 400, `${method} ${new URL(link).pathname}: ${response.status}`);
        opened++;
      }
    }
  }
  assert.ok(
    ['/rate', '/preferences', '/unsubscribe'].every((path) => kinds.has(path)),
    [...kinds].join(', '),
  );
  assert.ok(opened >= 2 * (8 + 2) * 2, `opened ${opened} links`);
  assert.equal(await snapshot(), before, 'nothing changed');
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM subscribers WHERE id = ANY($1::bigint[])', [
    [shared, personal],
  ]);
  assert.deepEqual(
    rows.map((row) => row.status),
    ['confirmed', 'confirmed'],
  );
  // Each paper of the personal digest has its two rating links; the footer has the preferences link.
  assert.equal((digestHtml.match(/>More like this</g) ?? []).length, 4);
  assert.equal((digestHtml.match(/>Less like this</g) ?? []).length, 4);
  assert.match(digestHtml, />Your preferences</);
  assert.match(digestText, /Your preferences.*\n\S*\/preferences\?token=/);
  assert.match(digestText, /matches diffusion/);
});

test('in Chromium the rating page records one rating by its POST, says thanks and offers undo', async () => {
  const { pool } = context.database;
  const rateLink = [...digestHtml.matchAll(/href="([^"]+\/rate\?token=[^"]+)"/g)][0]![1]!.replaceAll('&amp;', '&');
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const posts: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
  });
  await page.goto(rateLink);
  await page.locator('h1', { hasText: 'Thanks' }).waitFor({ timeout: 10_000 });
  await shot('1-rated');
  assert.deepEqual(posts, ['/rate'], 'one POST, sent by the page');
  const ratings = await pool.query<{ vote: number }>('SELECT vote FROM ratings');
  assert.deepEqual(
    ratings.rows.map((row) => row.vote),
    [1],
    'one rating recorded',
  );
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.locator('h1', { hasText: 'Undone' }).waitFor();
  assert.equal((await pool.query('SELECT 1 FROM ratings')).rowCount, 0, 'undone');
  await page.close();

  // Without JavaScript the page records nothing until the button is pressed.
  const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const plain = await noScript.newPage();
  await plain.goto(rateLink);
  assert.equal((await pool.query('SELECT 1 FROM ratings')).rowCount, 0, 'no script: nothing yet');
  await plain.screenshot({ path: join(ARTIFACTS, '2-rate-without-javascript.png'), fullPage: true });
  await plain.getByRole('button', { name: 'More like this' }).click();
  await plain.locator('h1', { hasText: 'Thanks' }).waitFor();
  assert.equal((await pool.query('SELECT 1 FROM ratings')).rowCount, 1);
  await noScript.close();
});

test('in Chromium the preferences page saves from its form, on a phone', async () => {
  const { pool } = context.database;
  const link = /\S*\/preferences\?token=\S+/.exec(digestText)![0];
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  await page.screenshot({ path: join(ARTIFACTS, '3-preferences.png'), fullPage: true });
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(width <= 390, `no sideways scrolling on a phone (${width}px)`);
  await page.locator('input[name=frequency][value=weekly]').check();
  await page.locator('select[name=weekday]').selectOption('5');
  await page.locator('select[name=size]').selectOption('5');
  await page.locator('#topicsExclude').fill('robotics, speech');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('text=Saved.').waitFor();
  const { rows } = await pool.query(
    `SELECT frequency, weekday, size, topics_exclude FROM reader_settings rs JOIN subscribers s ON s.id = rs.subscriber_id WHERE s.email = 'personal@example.org'`,
  );
  assert.deepEqual(rows[0], { frequency: 'weekly', weekday: 5, size: 5, topics_exclude: ['robotics', 'speech'] });
  await page.close();
});
