// Redis keeps nothing on disk here: restarting it mid-run loses every queued and running job. A real
// `paperboy worker` process rides it out: it reconnects, the recovery sweep finds the open deliveries in
// Postgres (the truth) and re-enqueues them, and every reader gets the digest exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dateIn } from '../src/digest/calendar.ts';
import { deliveryClaimToken } from '../src/digest/deliveries-job.ts';
import { deliveryJobId } from '../src/digest/fan-out.ts';
import { digestJobId, enqueueDigest, runDigest } from '../src/digest/digest-job.ts';
import { deliveryStatuses, editionSettled, insertConfirmedReaders, insertPapers, waitFor } from './support/digest.ts';
import { startPrivateRedis, type PrivateRedis } from './support/private-services.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { spawnWorker } from './support/worker-process.ts';

const READERS = 500;

let redis: PrivateRedis;
let context: TestContext;
before(async () => {
  redis = await startPrivateRedis();
  context = await createTestContext('chaos-redis-restart', { REDIS_URL: redis.url });
  // While Redis is down this process's queues report connection errors: expected, not worth printing.
  for (const queue of Object.values(context.services.queues)) queue.on('error', () => {});
  await insertConfirmedReaders(context.database.pool, READERS);
});
after(async () => {
  await context?.close();
  await redis?.remove();
});

test('Redis restarted empty mid-run: the worker reconnects, the open deliveries are re-enqueued, every reader gets one email', async (t) => {
  const { pool } = context.database;
  const { messages } = context.smtp;
  const date = dateIn('UTC');
  await insertPapers(pool, [{ title: 'Survives a Redis restart', upvotes: 10 }]);

  const worker = spawnWorker(context.env, {
    // Slow enough that the restart lands mid-run with whole batches still being sent.
    SMTP_RATE_LIMIT: '150',
    SMTP_MAX_CONNECTIONS: '2',
    DELIVERY_BATCH_SIZE: '100',
    DELIVERY_LOCK_MS: '5000',
  });
  const started = Date.now();
  let lostAt: number | undefined;
  try {
    await enqueueDigest(context.services.queues, date);
    const restartAt = Math.floor(READERS * (0.2 + Math.random() * 0.3));
    await context.smtp.waitForMessages(restartAt, 60_000);
    await redis.stop();
    lostAt = messages.length;
    await sleep(100 + Math.floor(Math.random() * 1_400));
    await redis.start();
    assert.equal(await context.services.queues.digest.getJob(digestJobId(date)), undefined, 'the restart lost the queue');
    await waitFor(() => editionSettled(pool, date), 'every delivery to be final', 90_000);
  } finally {
    await worker.stop('SIGTERM');
  }

  const { rows } = await pool.query<{ sent: number; readers: number; other: number }>(
    `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(DISTINCT subscriber_id) FILTER (WHERE status = 'sent')::int AS readers,
            count(*) FILTER (WHERE status <> 'sent')::int AS other
       FROM deliveries`,
  );
  assert.deepEqual(rows[0], { sent: READERS, readers: READERS, other: 0 });
  assert.match(worker.output(), /open deliveries had no job: re-enqueued them/, 'the recovery sweep did the work');
  const perReader = new Map<string, number>();
  for (const message of messages) perReader.set(message.envelopeTo[0]!, (perReader.get(message.envelopeTo[0]!) ?? 0) + 1);
  t.diagnostic(
    `Redis stopped after ${lostAt} of ${READERS} messages; received ${messages.length} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.equal(perReader.size, READERS, 'every reader received the digest');
  const twice = [...perReader].filter(([, count]) => count > 1);
  assert.deepEqual(twice, [], 'no process died: nobody gets it twice');
});

test('a batch re-enqueued after the loss under its old job id does not take the rows its first run is still sending', async () => {
  const { pool } = context.database;
  const { messages } = context.smtp;
  const before = messages.length;
  const date = dateIn('UTC', new Date(Date.now() + 24 * 3600 * 1000));
  await insertPapers(pool, [{ title: 'Tomorrow, once', upvotes: 10 }]);
  const fanned = await runDigest(context.services, { date, trigger: 'manual' });
  assert.ok('editionId' in fanned && fanned.editionId !== null);
  // The first batch is being sent by a worker that is still alive (nothing of it sent yet) when Redis goes.
  const { rows: ids } = await pool.query<{ id: string }>(`SELECT min(id) AS id FROM deliveries WHERE edition_id = $1`, [fanned.editionId]);
  const first = (await context.services.queues.deliveries.getJob(deliveryJobId(fanned.editionId, Number(ids[0]!.id))))!;
  const held = first.data.deliveryIds;
  await pool.query(`UPDATE deliveries SET status = 'sending', attempts = 1, claimed_by = $2, updated_at = now() WHERE id = ANY($1)`, [
    held,
    deliveryClaimToken(first),
  ]);
  await redis.stop();
  await redis.start();

  // A worker starting on the empty Redis sweeps: every open row is re-enqueued, the first batch under its old id.
  const worker = spawnWorker(context.env, { DELIVERY_BATCH_SIZE: '100' });
  try {
    await waitFor(
      async () => ((await deliveryStatuses(pool, date)).sent ?? 0) >= READERS - held.length,
      'the other rows to be sent',
      60_000,
    );
    await sleep(1_000); // a resend of the held rows would be on the wire by now
    assert.deepEqual(await deliveryStatuses(pool, date), { sent: READERS - held.length, sending: held.length });
    const { rows: heldRows } = await pool.query<{ email: string }>(
      `SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ANY($1)`,
      [held],
    );
    const heldEmails = new Set(heldRows.map((row) => row.email));
    const newMessages = messages.slice(before);
    assert.equal(newMessages.filter((message) => heldEmails.has(message.envelopeTo[0]!)).length, 0, 'the live first run keeps its rows');
    assert.equal(newMessages.length, READERS - held.length);

    // The first run's process dies after all: its claim goes stale and the next sweep hands the rows on.
    await pool.query(`UPDATE deliveries SET updated_at = now() - interval '1 hour' WHERE id = ANY($1)`, [held]);
    const recovered = await runDigest(context.services, { trigger: 'recover' });
    assert.ok('recovered' in recovered && recovered.recovered.length === 1);
    assert.deepEqual(await waitFor(() => editionSettled(pool, date), 'the held rows to be sent', 60_000), { sent: READERS });
  } finally {
    await worker.stop('SIGTERM');
  }
  const perReader = new Map<string, number>();
  for (const message of messages.slice(before)) perReader.set(message.envelopeTo[0]!, (perReader.get(message.envelopeTo[0]!) ?? 0) + 1);
  assert.equal(perReader.size, READERS);
  assert.ok(
    [...perReader.values()].every((count) => count === 1),
    'each reader exactly once',
  );
});
