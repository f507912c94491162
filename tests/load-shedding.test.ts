// Past its limits the API sheds load (503 + Retry-After at once) rather than falling over, and recovers
// by itself. The overload is made real: the event loop is kept busy for 1.5 s, as a flood of work would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
let app: FastifyInstance;
before(async () => {
  context = await createTestContext('load_shedding', {
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '50',
    OVERLOAD_MAX_DB_WAITING: '5',
    OVERLOAD_RETRY_AFTER_SECONDS: '3',
    DATABASE_POOL_SIZE: '2',
  });
  app = await buildApp(context.services);
});
after(async () => {
  await app.close();
  await context.close();
});

/** Occupies the event loop in 100 ms slices for `ms`, yielding between slices so timers (the sampler) still run. */
async function keepEventLoopBusy(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = Date.now() + 100;
    while (Date.now() < slice) {
      // busy: this is the overload
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /readyz until it answers `status` (the sampler decides every 250 ms); returns how long it took. */
async function readyzAnswers(status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await app.inject({ url: '/readyz', headers: { accept: 'application/json' } });
    if (response.statusCode === status) return Date.now() - started;
    if (Date.now() - started > withinMs) assert.fail(`/readyz still answers ${response.statusCode} after ${withinMs} ms`);
    await sleep(100);
  }
}

/**
 * Keeps the event loop busy (in slices, as keepEventLoopBusy does) until `request` is shed, and returns that
 * answer: the sampler decides every 250 ms, so one request right after the overload may come before its verdict.
 */
async function shedWhileBusy(request: () => Promise<LightMyRequestResponse>, withinMs = 10_000): Promise<LightMyRequestResponse> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    await keepEventLoopBusy(100);
    const response = await request();
    if (response.statusCode === 503) return response;
    if (Date.now() > deadline) assert.fail(`still answering ${response.statusCode} after ${withinMs} ms of a busy event loop`);
  }
}

test('an overloaded API answers 503 with Retry-After, keeps liveness up, and recovers by itself', async () => {
  await readyzAnswers(200, 5_000); // start-up itself can lag the loop for a moment

  await keepEventLoopBusy(1_500);
  const shed = await shedWhileBusy(() => app.inject({ url: '/readyz', headers: { accept: 'application/json' } }));
  assert.equal(shed.statusCode, 503, 'sheds while the event loop lags');
  assert.equal(shed.headers['retry-after'], '3');
  assert.equal(shed.json().error, 'overloaded');
  const page = await shedWhileBusy(() => app.inject({ url: '/readyz', headers: { accept: 'text/html' } }));
  assert.equal(page.statusCode, 503);
  assert.match(page.body, /busy/);
  assert.doesNotMatch(page.body, /FST_|under-pressure|\bat .+:\d+:\d+/, 'a person sees a page, not internals');
  const liveness = await app.inject({ url: '/healthz' });
  assert.equal(liveness.statusCode, 200, 'liveness is never shed: a busy process must not be restarted');

  // Serves again without anyone stepping in, within a few calm samples.
  await readyzAnswers(200, 3_000);
});

test('a long queue for database connections sheds new requests until it drains', async () => {
  const { pool } = context.services;
  // Postgres busy: both pool connections held, and queries queueing behind them past the limit.
  const held = await Promise.all([pool.connect(), pool.connect()]);
  const queued = Array.from({ length: 8 }, () => pool.query('SELECT 1'));
  // The health check runs every 250 ms: wait for its verdict rather than for a guess at its timing.
  await readyzAnswers(503, 5_000);
  const shed = await app.inject({ url: '/readyz', headers: { accept: 'application/json' } });
  assert.equal(shed.statusCode, 503, 'sheds while the database queue is long');
  assert.equal(shed.headers['retry-after'], '3');
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'liveness is never shed');

  for (const client of held) client.release();
  await Promise.all(queued);
  await readyzAnswers(200, 3_000); // serves again once the queue has drained
});
