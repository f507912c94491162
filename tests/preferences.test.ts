// The preferences page and the one-click ratings against real Postgres: the contract other tooling depends on
// (field names, subset updates, 400 naming the field with nothing saved), and GETs that change nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { preferencesUrl, rateUrl } from '../src/subscriptions/links.ts';
import { insertPapers, insertSubscribers } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
let app: FastifyInstance;
before(async () => {
  context = await createTestContext('preferences', { DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'Europe/Paris', DIGEST_SIZE: '10' });
  app = await buildApp(context.services);
});
after(async () => {
  await app?.close();
  await context?.close();
});

const pool = () => context.services.pool;
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};
/** Each reader's public id (links name readers by it), kept as `reader()` creates them. */
const publicIds = new Map<number, string>();
const publicIdOf = (id: number) => publicIds.get(id) ?? assert.fail(`reader ${id} was not made by reader()`);
const prefsPath = (id: number) => pathOf(preferencesUrl(context.env, context.services.keys, publicIdOf(id)));
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const savedRow = async (id: number) =>
  (
    await pool().query('SELECT frequency, size, hour, time_zone, topics_include, utc_hour FROM reader_settings WHERE subscriber_id = $1', [
      id,
    ])
  ).rows[0];

async function reader(email: string): Promise<number> {
  const [id] = await insertSubscribers(pool(), [{ email, status: 'confirmed' }]);
  const { rows } = await pool().query<{ publicId: string }>(
    `SELECT replace(public_id::text, '-', '') AS "publicId" FROM subscribers WHERE id = $1`,
    [id],
  );
  publicIds.set(id!, rows[0]!.publicId);
  return id!;
}

test('a reader who never saved sees the digest’s defaults, in the contract’s shape', async () => {
  const id = await reader('defaults@example.org');
  const response = await app.inject({ method: 'GET', url: prefsPath(id), headers: { accept: 'application/json' } });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), {
    frequency: 'daily',
    weekday: 1,
    size: 10,
    hour: 7,
    timeZone: 'Europe/Paris',
    topics: { include: [], exclude: [], only: false },
    authors: [],
  });
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(await savedRow(id), undefined, 'a GET saves nothing');
});

test('POST saves any subset and keeps the rest; GET returns the same shape', async () => {
  const id = await reader('subset@example.org');
  const first = await app.inject({
    method: 'POST',
    url: prefsPath(id),
    headers: JSON_HEADERS,
    payload: JSON.stringify({
      frequency: 'weekly',
      weekday: 3,
      topics: { include: ['diffusion', ' Diffusion ', 'video'] },
      authors: ['Ada Lovelace'],
    }),
  });
  assert.equal(first.statusCode, 200, first.body);
  const second = await app.inject({
    method: 'POST',
    url: prefsPath(id),
    headers: JSON_HEADERS,
    payload: JSON.stringify({ size: 5, hour: 8, timeZone: 'Asia/Tokyo' }),
  });
  const expected = {
    frequency: 'weekly',
    weekday: 3,
    size: 5,
    hour: 8,
    timeZone: 'Asia/Tokyo',
    topics: { include: ['diffusion', 'video'], exclude: [], only: false },
    authors: ['Ada Lovelace'],
  };
  assert.deepEqual(second.json(), expected);
  const shown = await app.inject({ method: 'GET', url: prefsPath(id), headers: { accept: 'application/json' } });
  assert.deepEqual(shown.json(), expected);
  // 08:00 in Tokyo is 23:00 UTC: the hourly run's bucket.
  assert.equal((await savedRow(id)).utc_hour, 23);
});

test('an invalid value is a 400 naming the field, and nothing of the request is saved', async () => {
  const id = await reader('invalid@example.org');
  const cases: [object, string][] = [
    [{ size: 7 }, 'size'],
    [{ hour: 24 }, 'hour'],
    [{ weekday: 0 }, 'weekday'],
    [{ frequency: 'monthly' }, 'frequency'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ timeZone: '+02:00' }, 'timeZone'],
    [{ topics: { include: 'diffusion' } }, 'topics.include'],
    [{ topics: { only: 'yes' } }, 'topics.only'],
    [{ topics: { everything: true } }, 'topics.everything'],
    [{ authors: [42] }, 'authors'],
    [{ timezone: 'UTC' }, 'timezone'],
    [{ size: 5, hour: 'noon' }, 'hour'],
  ];
  for (const [body, field] of cases) {
    const response = await app.inject({ method: 'POST', url: prefsPath(id), headers: JSON_HEADERS, payload: JSON.stringify(body) });
    assert.equal(response.statusCode, 400, JSON.stringify(body));
    assert.equal(response.json().field, field, JSON.stringify(body));
    assert.match(response.json().message, new RegExp(field.split('.').pop()!));
  }
  assert.equal(await savedRow(id), undefined, 'a refused save (even size 5 next to a bad hour) saved nothing');
});

test('the form uses the same names; unticking "only my topics" is saved; a bad field shows the form again', async () => {
  const id = await reader('form@example.org');
  const post = (fields: [string, string][]) =>
    app.inject({ method: 'POST', url: prefsPath(id), headers: FORM, payload: new URLSearchParams(fields).toString() });
  const saved = await post([
    ['frequency', 'daily'],
    ['size', '20'],
    ['hour', '6'],
    ['timeZone', 'America/New_York'],
    ['topicsInclude', 'diffusion, reinforcement learning'],
    ['topicsExclude', 'robotics'],
    ['topicsOnly', 'false'],
    ['topicsOnly', 'true'],
    ['authors', 'Ada Lovelace, Alan Turing'],
  ]);
  assert.equal(saved.statusCode, 200);
  assert.match(saved.headers['content-type'] as string, /text\/html/);
  assert.match(saved.body, /Saved\./);
  const json = async () => (await app.inject({ method: 'GET', url: prefsPath(id), headers: { accept: 'application/json' } })).json();
  assert.deepEqual((await json()).topics, { include: ['diffusion', 'reinforcement learning'], exclude: ['robotics'], only: true });
  assert.deepEqual((await json()).authors, ['Ada Lovelace', 'Alan Turing']);
  await post([['topicsOnly', 'false']]);
  assert.equal((await json()).topics.only, false);
  assert.equal((await json()).size, 20, 'the rest kept');
  const refused = await post([
    ['size', '3'],
    ['hour', '9'],
  ]);
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /Nothing was saved: size is 5, 10 or 20/);
  assert.equal((await json()).hour, 6);
});

test('the page escapes what the reader typed and works without JavaScript', async () => {
  const id = await reader('escape@example.org');
  await app.inject({
    method: 'POST',
    url: prefsPath(id),
    headers: JSON_HEADERS,
    payload: JSON.stringify({ topics: { include: ['<script>alert(1)</script>'] }, authors: ['"><img src=x onerror=alert(1)>'] }),
  });
  const page = await app.inject({ method: 'GET', url: prefsPath(id) });
  assert.equal(page.statusCode, 200);
  assert.ok(!page.body.includes('<script>alert'), 'topic escaped');
  assert.ok(!page.body.includes('"><img'), 'author escaped');
  assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.ok(!/<script/.test(page.body), 'no script on the preferences page');
  assert.match(page.body, /<meta name="viewport" content="width=device-width/);
  for (const name of ['frequency', 'weekday', 'size', 'hour', 'timeZone', 'topicsInclude', 'topicsExclude', 'topicsOnly', 'authors'])
    assert.match(page.body, new RegExp(`name="${name}"`), name);
});

test('a forged, truncated or other-purpose token is a 400 and saves nothing', async () => {
  const id = await reader('forged@example.org');
  const good = prefsPath(id);
  const rate = pathOf(rateUrl(context.env, context.services.keys, publicIdOf(id), 1, 'up')).replace('/rate', '/preferences');
  for (const url of [good.slice(0, -3), good.replace(/token=./, 'token=A'), rate, '/preferences']) {
    const response = await app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: JSON.stringify({ size: 5 }) });
    assert.equal(response.statusCode, 400, url);
    assert.equal(response.json().error, 'invalid_token');
  }
  assert.equal(await savedRow(id), undefined);
});

const ratings = async (id: number) =>
  (
    await pool().query<{ paper_id: number; vote: number }>(
      'SELECT paper_id, vote FROM ratings WHERE subscriber_id = $1 ORDER BY paper_id',
      [id],
    )
  ).rows;

test('GET /rate records nothing; POST records one rating, the last click wins, and undo removes it', async () => {
  const id = await reader('rater@example.org');
  const [paper] = await insertPapers(pool(), [{ title: 'Diffusion <b>models</b> for everything' }]);
  const up = pathOf(rateUrl(context.env, context.services.keys, publicIdOf(id), paper!, 'up'));
  const down = pathOf(rateUrl(context.env, context.services.keys, publicIdOf(id), paper!, 'down'));
  const page = await app.inject({ method: 'GET', url: up });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<script src="\/rate\.js"><\/script>/);
  assert.match(page.body, /Diffusion &lt;b&gt;models&lt;\/b&gt;/);
  await app.inject({ method: 'GET', url: down });
  await app.inject({ method: 'HEAD', url: up });
  assert.deepEqual(await ratings(id), [], 'GET and HEAD record nothing');

  const recorded = await app.inject({ method: 'POST', url: up, headers: { accept: 'application/json' } });
  assert.deepEqual(recorded.json(), { status: 'recorded', paperId: paper, vote: 'up' });
  await app.inject({ method: 'POST', url: up });
  assert.deepEqual(await ratings(id), [{ paper_id: paper, vote: 1 }], 'one rating per reader and paper');
  const thanks = await app.inject({ method: 'POST', url: down });
  assert.match(thanks.body, /fewer papers like this/);
  assert.match(thanks.body, /name="action" value="undo"/);
  assert.deepEqual(await ratings(id), [{ paper_id: paper, vote: -1 }], 'the last click wins');
  // Undoing the older "up" link leaves the newer "down" rating alone; undoing "down" removes it.
  await app.inject({ method: 'POST', url: up, headers: FORM, payload: 'action=undo' });
  assert.equal((await ratings(id)).length, 1);
  const undone = await app.inject({ method: 'POST', url: down, headers: FORM, payload: 'action=undo' });
  assert.match(undone.body, /Undone/);
  assert.deepEqual(await ratings(id), []);
});

test('a rating token is bound to its paper and vote: changing the address is refused', async () => {
  const id = await reader('tamper@example.org');
  const [paper] = await insertPapers(pool(), [{ title: 'Some paper' }]);
  const up = pathOf(rateUrl(context.env, context.services.keys, publicIdOf(id), paper!, 'up'));
  const prefs = prefsPath(id).replace('/preferences', '/rate');
  for (const url of [up.slice(0, -2), prefs]) {
    const response = await app.inject({ method: 'POST', url, headers: { accept: 'application/json' } });
    assert.equal(response.statusCode, 400, url);
  }
  const gone = pathOf(rateUrl(context.env, context.services.keys, publicIdOf(id), 987_654_321, 'up'));
  assert.equal((await app.inject({ method: 'POST', url: gone, headers: { accept: 'application/json' } })).statusCode, 404);
  assert.deepEqual(await ratings(id), []);
});

test('the rating script is served from the app, within the CSP', async () => {
  const script = await app.inject({ method: 'GET', url: '/rate.js' });
  assert.equal(script.statusCode, 200);
  assert.match(script.headers['content-type'] as string, /text\/javascript/);
  assert.match(script.body, /form\.submit\(\)/);
  const page = await app.inject({ method: 'GET', url: '/rate.js' });
  assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
});

test('ratings and settings go with the subscriber (ON DELETE CASCADE)', async () => {
  const id = await reader('gone@example.org');
  const [paper] = await insertPapers(pool(), [{ title: 'Paper to forget' }]);
  await app.inject({ method: 'POST', url: prefsPath(id), headers: JSON_HEADERS, payload: JSON.stringify({ size: 5 }) });
  await app.inject({ method: 'POST', url: pathOf(rateUrl(context.env, context.services.keys, publicIdOf(id), paper!, 'up')) });
  await pool().query('DELETE FROM subscribers WHERE id = $1', [id]);
  assert.equal(await savedRow(id), undefined);
  assert.deepEqual(await ratings(id), []);
  const response = await app.inject({ method: 'GET', url: prefsPath(id), headers: { accept: 'application/json' } });
  assert.equal(response.statusCode, 404);
});
