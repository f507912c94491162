// The scheduled ingest against a local HTTP server (never the internet): success and every failure mode,
// each failure leaving the database exactly as it was.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { QueueEvents } from 'bullmq';
import { ingestFromUrl, ingestProcessor, installIngestSchedule, INGEST_SCHEDULER_ID } from '../src/papers/ingest-job.ts';
import { ingestListing } from '../src/papers/ingest.ts';
import type { WorkerDefinition } from '../src/queue/workers.ts';
import { startProcessors } from '../src/runtime/processors.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const FIXTURE = readFileSync(new URL('../fixtures/daily-papers-demo.json', import.meta.url), 'utf8');
const MAX_BYTES = 200_000;
// Generous enough for a loaded CI machine to serve 80 KB from 127.0.0.1; the slow routes wait 5× longer.
const TIMEOUT_MS = 1_500;

let ctx: TestContext;
let server: Server;
let base: string;
const hits = new Map<string, number>();

before(async () => {
  ctx = await createTestContext('ingest_job', { PAPERS_FETCH_TIMEOUT_MS: String(TIMEOUT_MS), PAPERS_MAX_BYTES: String(MAX_BYTES) });
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    switch (path) {
      case '/daily_papers':
        res.writeHead(200, { 'content-type': 'application/json' }).end(FIXTURE);
        return;
      case '/error':
        res.writeHead(500).end('Internal Server Error');
        return;
      case '/missing':
        res.writeHead(404).end('Not Found');
        return;
      case '/flaky': // fails twice, then answers
        if (hits.get(path)! <= 2) res.writeHead(503).end('try later');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(FIXTURE);
        return;
      case '/slow': // never answers within the timeout
        setTimeout(() => res.writeHead(200).end(FIXTURE), TIMEOUT_MS * 5).unref();
        return;
      case '/stalls-mid-body': // headers and half the body, then nothing
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(FIXTURE.slice(0, 1000));
        setTimeout(() => res.end(FIXTURE.slice(1000)), TIMEOUT_MS * 5).unref();
        return;
      case '/malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end(FIXTURE.slice(0, FIXTURE.length / 2));
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
        return;
      case '/huge-declared': // says so up front
        res.writeHead(200, { 'content-length': String(MAX_BYTES * 5) }).end('['.padEnd(MAX_BYTES * 5, ' '));
        return;
      case '/huge-chunked': {
        // no Content-Length: the cap must hold while streaming
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = `${FIXTURE.slice(0, -2)},`;
        let sent = 0;
        const pump = () => {
          while (sent < MAX_BYTES * 10 && res.write(chunk)) sent += chunk.length;
          if (sent >= MAX_BYTES * 10) res.end(']');
        };
        res.on('drain', pump);
        res.on('error', () => {});
        pump();
        return;
      }
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Something for the failures to damage, whatever the first test did.
  const seed = [1, 2].map((n) => ({ paper: { id: `2601.0000${n}`, title: `Seed ${n}`, upvotes: n } }));
  await ingestListing(ctx.services.pool, JSON.stringify(seed), { observedAt: new Date('2025-12-31T00:00:00Z') });
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.close();
});

async function databaseState() {
  const papers = await ctx.services.pool.query('SELECT * FROM papers ORDER BY id');
  const snapshots = await ctx.services.pool.query('SELECT * FROM upvote_snapshots ORDER BY paper_id, observed_at');
  return { papers: papers.rows, snapshots: snapshots.rows };
}

test('the ingest job fetches the listing and loads it', async () => {
  const summary = await ingestFromUrl(ctx.services, `${base}/daily_papers`, new Date('2026-01-01T00:00:00Z'));
  assert.deepEqual([summary.inserted, summary.updated, summary.rejected, summary.snapshots], [47, 0, 0, 47]);
});

const failures: [string, RegExp][] = [
  ['/error', /HTTP 500/],
  ['/missing', /HTTP 404/],
  ['/slow', new RegExp(`timed out after ${TIMEOUT_MS} ms`)],
  ['/stalls-mid-body', new RegExp(`timed out after ${TIMEOUT_MS} ms`)],
  ['/malformed', /not valid JSON/],
  ['/html', /neither a JSON array nor JSON Lines/],
  ['/huge-declared', /larger than PAPERS_MAX_BYTES/],
  ['/huge-chunked', /larger than PAPERS_MAX_BYTES/],
];

for (const [path, reason] of failures) {
  test(`a fetch of ${path} fails with a clear reason and leaves the database unchanged`, async () => {
    const before = await databaseState();
    const started = Date.now();
    await assert.rejects(ingestFromUrl(ctx.services, `${base}${path}`), reason);
    assert.ok(Date.now() - started < TIMEOUT_MS * 4, 'the timeout bounds how long a fetch can hang');
    assert.deepEqual(await databaseState(), before);
  });
}

test('a failing fetch is retried with backoff until it succeeds; a 404 is not retried', async () => {
  const eventsConnection = ctx.services.redis.duplicate();
  const events = new QueueEvents('ingest', { connection: eventsConnection, prefix: ctx.env.QUEUE_PREFIX });
  await events.waitUntilReady();
  const workers = startProcessors(ctx.services, [ingestProcessor(ctx.services) as WorkerDefinition]);
  try {
    await ctx.services.pool.query('TRUNCATE papers, upvote_snapshots RESTART IDENTITY CASCADE');
    const opts = { attempts: 4, backoff: { type: 'exponential', delay: 50 } };
    const flaky = await ctx.services.queues.ingest.add('ingest', { url: `${base}/flaky` }, opts);
    const result = (await flaky.waitUntilFinished(events, 20_000)) as { inserted: number };
    assert.equal(result.inserted, 47);
    assert.equal(hits.get('/flaky'), 3, 'two failures, then the success');
    const done = await ctx.services.queues.ingest.getJob(flaky.id!);
    assert.equal(done!.attemptsMade, 3);

    const hitsBefore = hits.get('/missing') ?? 0;
    const missing = await ctx.services.queues.ingest.add('ingest', { url: `${base}/missing` }, opts);
    await assert.rejects(missing.waitUntilFinished(events, 20_000), /HTTP 404/);
    assert.equal(hits.get('/missing'), hitsBefore + 1, 'asking again cannot turn a 404 into a listing');
  } finally {
    await workers.close();
    await events.close();
    eventsConnection.disconnect(); // BullMQ leaves a connection it was handed open
  }
});

test('the ingest schedule exists exactly when PAPERS_SOURCE_URL is set', async () => {
  const on = { ...ctx.services, env: { ...ctx.env, PAPERS_SOURCE_URL: `${base}/daily_papers`, PAPERS_CRON: '15 * * * *' } };
  await installIngestSchedule(on);
  await installIngestSchedule(on); // every process installs it; still one
  const schedulers = await ctx.services.queues.ingest.getJobSchedulers();
  assert.equal(schedulers.length, 1);
  assert.equal(schedulers[0]!.key, INGEST_SCHEDULER_ID);
  assert.equal(schedulers[0]!.pattern, '15 * * * *');
  assert.deepEqual(schedulers[0]!.template?.data, { url: `${base}/daily_papers` });

  await installIngestSchedule({ ...ctx.services, env: { ...ctx.env, PAPERS_SOURCE_URL: undefined } });
  assert.equal((await ctx.services.queues.ingest.getJobSchedulers()).length, 0);
});
