// Never twice, never lost: a real worker process is SIGKILLed mid-send and started again.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { editionSettled, insertConfirmedReaders, insertPapers, insertSubscribers, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const SMTP_MAX_CONNECTIONS = 2;

let context: TestContext;
before(async () => {
  context = await createTestContext('delivery-crash');
});
after(() => context.close());

function startWorker(): ChildProcess {
  const { env } = context;
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      QUEUE_PREFIX: env.QUEUE_PREFIX,
      SMTP_URL: env.SMTP_URL,
      SECRET_KEY: env.SECRET_KEY,
      PUBLIC_URL: env.PUBLIC_URL,
      MAIL_FROM: env.MAIL_FROM,
      // Slow enough to be killed halfway, quick to take a killed worker's batches back.
      SMTP_RATE_LIMIT: '120',
      SMTP_MAX_CONNECTIONS: String(SMTP_MAX_CONNECTIONS),
      DELIVERY_BATCH_SIZE: '20',
      DELIVERY_LOCK_MS: '2000',
      DIGEST_CRON: '0 7 1 1 *',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => process.stderr.write(`[worker] ${chunk}`));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve)));

test('a worker killed with SIGKILL mid-send and restarted: every confirmed reader holds exactly one sent delivery', async (t) => {
  const { pool } = context.database;
  const date = '2026-12-02';
  const readers = 300;
  await insertPapers(pool, [
    { title: 'Crash-proof delivery', upvotes: 10 },
    { title: 'Second paper', upvotes: 5 },
  ]);
  await insertConfirmedReaders(pool, readers);
  await insertSubscribers(pool, [{ email: 'pending@example.org', status: 'pending' }]);

  let worker = startWorker();
  try {
    await enqueueDigest(context.services.queues, date);
    // Kill it twice at different points of the run, then let a fresh worker finish.
    for (const killAt of [60, 160]) {
      await waitFor(async () => context.smtp.messages.length >= killAt, `${killAt} messages`, 30_000);
      worker.kill('SIGKILL');
      await exited(worker);
      worker = startWorker();
    }
    await waitFor(() => editionSettled(pool, date), 'every delivery to be final', 60_000);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
  }

  const { rows } = await pool.query<{ sent: number; distinct_subscribers: number; other: number }>(
    `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(DISTINCT subscriber_id) FILTER (WHERE status = 'sent')::int AS distinct_subscribers,
            count(*) FILTER (WHERE status <> 'sent')::int AS other
       FROM deliveries`,
  );
  assert.deepEqual(rows[0], { sent: readers, distinct_subscribers: readers, other: 0 });

  const received = context.smtp.messages.filter((message) => message.parsed.subject?.includes('Crash-proof delivery'));
  const byAddress = new Map<string, string[]>();
  for (const message of received) {
    const list = byAddress.get(message.envelopeTo[0]!) ?? [];
    list.push(message.parsed.messageId!);
    byAddress.set(message.envelopeTo[0]!, list);
  }
  assert.equal(byAddress.size, readers, 'every confirmed reader received the digest');
  const duplicates = received.length - readers;
  // The only duplicates possible: messages the server accepted whose 'sent' row the killed process had not
  // yet written. A worker holds at most 2 × SMTP_MAX_CONNECTIONS such messages at once; it was killed twice.
  assert.ok(duplicates <= 2 * 2 * SMTP_MAX_CONNECTIONS, `${duplicates} duplicates exceed the in-flight window`);
  for (const [address, ids] of byAddress) {
    assert.equal(new Set(ids).size, 1, `a resend to ${address} carries the same Message-ID`);
  }
  t.diagnostic(`received ${received.length} messages for ${readers} readers: ${duplicates} duplicate(s)`);
});
