// /metrics (Prometheus) and `paperboy stats`: the figures read from Postgres and BullMQ when asked, so they hold
// whichever process sent the mail; /metrics refuses a request without METRICS_TOKEN and exists only when asked for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { dateIn } from '../src/digest/calendar.ts';
import { buildApp } from '../src/http/app.ts';
import { buildMetricsApp, createMetrics } from '../src/http/metrics.ts';
import type { WorkerDefinition } from '../src/queue/workers.ts';
import { startProcessors } from '../src/runtime/processors.ts';
import { confirmationsProcessor } from '../src/subscriptions/confirmation-mail.ts';
import { runPaperboy } from './support/cli.ts';
import { waitFor } from './support/digest.ts';
import { seedDashboardHistory, type SeededHistory } from './support/dashboard-seed.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const METRICS_TOKEN = 'a-metrics-token-0123456789';
let context: TestContext;
let app: FastifyInstance;
let seeded: SeededHistory;
before(async () => {
  context = await createTestContext('admin-metrics', { METRICS_TOKEN });
  seeded = await seedDashboardHistory(context.database.pool, dateIn('UTC'));
  app = await buildApp(context.services);
});
after(async () => {
  await app?.close();
  await context?.close();
});

const scrape = (target: FastifyInstance, authorization?: string) =>
  target.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

/** The value of one sample line, e.g. `paperboy_readers{state="confirmed"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/metrics refuses a request without the token, or with a wrong one', async () => {
  const none = await scrape(app);
  assert.equal(none.statusCode, 401);
  assert.match(String(none.headers['www-authenticate']), /Bearer/);
  assert.doesNotMatch(none.body, /paperboy_readers/);
  assert.equal((await scrape(app, `Bearer ${METRICS_TOKEN}x`)).statusCode, 401);
  assert.equal((await scrape(app, METRICS_TOKEN)).statusCode, 401);
});

test('/metrics exposes readers, deliveries, SMTP replies, send latency, queues and HTTP durations', async () => {
  await app.inject({ method: 'GET', url: '/healthz' });
  const response = await scrape(app, `Bearer ${METRICS_TOKEN}`);
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /text\/plain/);
  const text = response.body;
  assert.equal(sample(text, 'paperboy_readers{state="confirmed"}'), seeded.now.confirmed);
  assert.equal(sample(text, 'paperboy_readers{state="suppressed"}'), seeded.now.suppressed);
  for (const edition of seeded.editions) {
    assert.equal(sample(text, `paperboy_deliveries{edition="${edition.editionDate}",state="sent"}`), edition.sent);
  }
  const sent = seeded.editions.reduce((sum, edition) => sum + edition.sent, 0);
  const failed = seeded.editions.reduce((sum, edition) => sum + edition.failed, 0);
  assert.equal(sample(text, 'paperboy_smtp_replies{class="2xx"}'), sent);
  assert.equal(sample(text, 'paperboy_smtp_replies{class="5xx"}'), failed);
  // Every seeded send took 90 s from fan-out to acceptance.
  assert.equal(sample(text, 'paperboy_send_latency_seconds_bucket{le="60"}'), 0);
  assert.equal(sample(text, 'paperboy_send_latency_seconds_bucket{le="120"}'), sent);
  assert.equal(sample(text, 'paperboy_send_latency_seconds_bucket{le="+Inf"}'), sent);
  assert.equal(sample(text, 'paperboy_send_latency_seconds_count'), sent);
  assert.equal(Math.round(sample(text, 'paperboy_send_latency_seconds_sum')!), 90 * sent);
  assert.equal(sample(text, 'paperboy_queue_jobs{queue="deliveries",state="waiting"}'), 0);
  assert.equal(sample(text, 'paperboy_queue_workers{queue="confirmations"}'), 0);
  assert.ok((sample(text, 'paperboy_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}') ?? 0) >= 1);
});

test('queue depth and workers alive come from Redis: a job queued and a worker started elsewhere are seen', async () => {
  await context.services.queues.ingest.add('ingest', { url: 'http://127.0.0.1:9/never' }, { delay: 60_000 });
  const workers = startProcessors(context.services, [confirmationsProcessor(context.services) as WorkerDefinition]);
  try {
    const text = await waitFor(async () => {
      const body = (await scrape(app, `Bearer ${METRICS_TOKEN}`)).body;
      return sample(body, 'paperboy_queue_workers{queue="confirmations"}') === 1 && body;
    }, 'the worker to be counted');
    assert.equal(sample(text, 'paperboy_queue_jobs{queue="ingest",state="delayed"}'), 1);
  } finally {
    await workers.close();
  }
});

test('METRICS_PORT: /metrics on its own listener asks no token; without token or port there is no /metrics', async () => {
  const own = buildMetricsApp(createMetrics(context.services));
  try {
    const response = await scrape(own);
    assert.equal(response.statusCode, 200);
    assert.equal(sample(response.body, 'paperboy_readers{state="pending"}'), seeded.now.pending);
  } finally {
    await own.close();
  }
  const plain = await buildApp({ ...context.services, env: { ...context.env, METRICS_TOKEN: undefined } });
  try {
    assert.equal((await scrape(plain, `Bearer ${METRICS_TOKEN}`)).statusCode, 404);
  } finally {
    await plain.close();
  }
});

test('`paperboy stats` says the last 7 days, the complaint rate against the limit, and the growth', async () => {
  const run = await runPaperboy(context, ['stats']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^today \(\d{4}-\d{2}-\d{2}\): no edition yet$/m);
  assert.match(
    run.stdout,
    /^last 7 days: 3 editions, 9 sent, 1 bounces, 1 complaints, complaint rate 11\.11 % \(OVER the 0\.3 % limit\)$/m,
  );
  assert.match(run.stdout, new RegExp(`^  ${seeded.pausedDate}  2 sent · 2 failed · 0 skipped · 2 open$`, 'm'));
  assert.match(run.stdout, /^readers: 3 confirmed, 1 pending, 1 unsubscribed, 1 suppressed$/m);
  assert.match(run.stdout, /^growth \(confirmed\): -2 in 7 days, -1 in 30 days$/m);
});

test('`paperboy admin hash-password` reads the password on stdin and prints an argon2 hash that verifies', async () => {
  const { spawnSync } = await import('node:child_process');
  const { default: argon2 } = await import('argon2');
  const cli = new URL('../bin/paperboy.js', import.meta.url).pathname;
  const env = { PATH: process.env.PATH ?? '', PAPERBOY_SOURCE: '1', NODE_ENV: 'test', LOG_LEVEL: 'silent' };
  const made = spawnSync(process.execPath, [cli, 'admin', 'hash-password'], { input: 'a long enough password\n', env, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const hash = made.stdout.trim();
  assert.match(hash, /^\$argon2id\$/);
  assert.ok(await argon2.verify(hash, 'a long enough password'), 'the trailing newline is not part of the password');
  const short = spawnSync(process.execPath, [cli, 'admin', 'hash-password'], { input: 'short\n', env, encoding: 'utf8' });
  assert.equal(short.status, 2);
  const argv = spawnSync(process.execPath, [cli, 'admin', 'hash-password', 'on-the-command-line'], { input: '', env, encoding: 'utf8' });
  assert.equal(argv.status, 2, 'a password as an argument is refused');
});
