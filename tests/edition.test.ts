// An edition is frozen once per date, and the web archive shows it to anyone without personal data.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildEdition } from '../src/digest/edition.ts';
import { isEditionDate } from '../src/digest/calendar.ts';
import { buildApp } from '../src/http/app.ts';
import { insertPapers, insertSubscribers, startDigestWorkers, upcomingDate } from './support/digest.ts';
import { runPaperboy } from './support/cli.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('edition');
});
after(() => context.close());

test('two builds of the same date at once freeze one edition and both get it', async () => {
  const { pool } = context.database;
  await insertPapers(pool, [
    { title: 'Frozen <em>paper</em>', upvotes: 70 },
    { title: 'Another one', upvotes: 20 },
  ]);
  const [first, second] = await Promise.all([
    buildEdition(pool, context.env, '2026-12-05', new Date()),
    buildEdition(pool, context.env, '2026-12-05', new Date()),
  ]);
  assert.ok(first.kind !== 'empty' && second.kind !== 'empty');
  assert.deepEqual([first.kind, second.kind].sort(), ['built', 'existing']);
  assert.equal(first.edition.id, second.edition.id);
  assert.equal(first.edition.papers.length, 2);
  const { rows } = await pool.query(`SELECT rank, paper_id FROM edition_papers WHERE edition_id = $1 ORDER BY rank`, [first.edition.id]);
  assert.equal(rows.length, 2, 'the papers are recorded once, in rank order');
  // Later changes to a paper do not touch the frozen edition.
  await pool.query(`UPDATE papers SET title = 'Renamed later', upvotes = 9999`);
  const again = await buildEdition(pool, context.env, '2026-12-05', new Date());
  assert.ok(again.kind === 'existing');
  assert.equal(again.edition.papers[0]!.title, 'Frozen <em>paper</em>');
  // The title appears escaped as the text of the card's title link (the document <title> is the edition's, not
  // the paper's), and never raw anywhere.
  const html = again.edition.htmlTemplate;
  assert.match(html, /<a [^>]*>Frozen &lt;em&gt;paper&lt;\/em&gt;<\/a>/, "the escaped title is the card's link text");
  assert.ok(!html.includes('<em>paper'), 'the paper card escapes its title');
  assert.doesNotMatch(html, /<title>[^<]*Frozen/, 'the document title is the edition, so it cannot stand in for the card');
});

test('the archive page shows the edition, escaped, with no personal data', async () => {
  const app = await buildApp(context.services);
  try {
    const page = await app.inject({ url: '/editions/2026-12-05' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.ok(page.body.includes('Frozen &lt;em&gt;paper&lt;/em&gt;'));
    assert.ok(!page.body.includes('<em>paper'));
    assert.ok(!/unsubscribe|token=/i.test(page.body), 'no unsubscribe link or token on a public page');
    const list = await app.inject({ url: '/editions' });
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes('href="/editions/2026-12-05"'));
    const missing = await app.inject({ url: '/editions/2020-01-01' });
    assert.equal(missing.statusCode, 404);
    for (const bad of ['/editions/2026-02-30', '/editions/yesterday', '/editions/2026-12-05%3Cscript%3E']) {
      const response = await app.inject({ url: bad });
      assert.ok([400, 404].includes(response.statusCode), `${bad} → ${response.statusCode}`);
      assert.ok(!response.body.includes('<script>'));
    }
  } finally {
    await app.close();
  }
});

test('edition dates are real calendar days', () => {
  assert.ok(isEditionDate('2026-11-28'));
  assert.ok(isEditionDate('2028-02-29'));
  for (const bad of ['2026-02-30', '2026-13-01', '26-11-28', '2026-11-28T00:00', '', '2026-1-1']) assert.ok(!isEditionDate(bad), bad);
});

const runDigestCli = (args: string[]) => runPaperboy(context, ['digest', ...args]);

test('paperboy digest refuses a bad date with one line and a non-zero exit', async () => {
  const result = await runDigestCli(['--date', '2026-02-30']);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.match(result.stderr, /--date must be a calendar date/);
  const unknown = await runDigestCli(['--when', 'now']);
  assert.equal(unknown.code, 2);
});

test('paperboy digest --wait ends with a summary, and a second run sends nothing new', async () => {
  const { pool } = context.database;
  await insertPapers(pool, [{ title: 'Sent by hand', upvotes: 40 }]);
  await insertSubscribers(pool, [
    { email: 'one@example.org', status: 'confirmed' },
    { email: 'two@example.org', status: 'confirmed' },
  ]);
  const workers = startDigestWorkers(context.services);
  try {
    const date = upcomingDate(2);
    const first = await runDigestCli(['--date', date, '--force', '--wait']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout.trim().split('\n').at(-1)!,
      new RegExp(`^digest ${date}: 2 sent \\(2 this run\\), 0 failed, 0 skipped, 0 left, `),
    );
    const received = context.smtp.messages.length;
    const second = await runDigestCli(['--date', date, '--force', '--wait']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`digest ${date}: 2 sent \\(0 this run\\)`));
    assert.equal(context.smtp.messages.length, received, 'nothing sent twice');
  } finally {
    await workers.close();
  }
});
