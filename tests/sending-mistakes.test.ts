// Operator mistakes that used to reach readers are refused: production without a relay, an edition dated in the
// future, demo papers in a real edition.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseEnv } from '../src/config/env.ts';
import { pickTrendingPapers } from '../src/db/trending.ts';
import { dateIn } from '../src/digest/calendar.ts';
import { trendingOptionsFrom } from '../src/digest/trending.ts';
import { insertPapers } from './support/digest.ts';
import { runPaperboy } from './support/cli.ts';
import { createTestContext, testEnv, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('sending-mistakes');
});
after(() => context.close());

const runCli = (args: string[], env: Record<string, string | undefined>) => runPaperboy(context, args, env);

test('production without SMTP_URL refuses to start, in one line, rather than counting outbox mail as sent', async () => {
  assert.throws(() => parseEnv({ NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(32) }), /SMTP_URL is required when NODE_ENV=production/);
  const run = await runCli(['worker'], { NODE_ENV: 'production', SMTP_URL: '' });
  assert.equal(run.code, 1);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, /SMTP_URL is required when NODE_ENV=production/);
});

test('an edition dated later than today needs --force, and nothing is queued without it', async () => {
  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const refused = await runCli(['digest', '--date', tomorrow], { DIGEST_TZ: 'UTC' });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, new RegExp(`--date ${tomorrow} is later than today \\(${dateIn('UTC')} in UTC\\): add --force`));
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  const counts = await context.services.queues.digest.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
  assert.ok(
    Object.values(counts).every((count) => count === 0),
    'no digest job was added',
  );
  const forced = await runCli(['digest', '--date', tomorrow, '--force'], { DIGEST_TZ: 'UTC' });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /enqueued/);
  await context.clearQueues();
});

test('demo papers never enter an edition once real papers exist, never in production, and `demo --remove` deletes them', async () => {
  const { pool } = context.database;
  const loaded = await runCli(['demo'], {});
  assert.equal(loaded.code, 0, loaded.stderr);
  const { rows: demo } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM papers WHERE demo`);
  assert.ok(demo[0]!.n > 10, 'the demo papers are marked');
  const now = new Date();
  const development = testEnv({ NODE_ENV: 'development' });
  const production = testEnv({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:25' });

  const alone = await pickTrendingPapers(pool, trendingOptionsFrom(development, now));
  assert.equal(alone.length, development.DIGEST_SIZE, 'with nothing else, the demo fills a development edition');
  assert.deepEqual(await pickTrendingPapers(pool, trendingOptionsFrom(production, now)), [], 'never in production');

  await insertPapers(pool, [
    { title: 'A real paper', upvotes: 3 },
    { title: 'Another real paper', upvotes: 2 },
  ]);
  const mixed = await pickTrendingPapers(pool, trendingOptionsFrom(development, now));
  assert.deepEqual(
    mixed.map((paper) => paper.title),
    ['A real paper', 'Another real paper'],
    'three real papers are not padded with seven demo ones',
  );

  const removed = await runCli(['demo', '--remove'], {});
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, new RegExp(`removed ${demo[0]!.n} demo papers`));
  const { rows: left } = await pool.query<{ demo: number; real: number }>(
    `SELECT count(*) FILTER (WHERE demo)::int AS demo, count(*) FILTER (WHERE NOT demo)::int AS real FROM papers`,
  );
  assert.deepEqual(left, [{ demo: 0, real: 2 }]);
});
