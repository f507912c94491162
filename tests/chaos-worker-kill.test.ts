// Never twice, never lost: a real `paperboy worker` process is SIGKILLed three times at random points of a
// run and started again each time. Postgres must end with exactly one `sent` row per confirmed reader, and the
// SMTP server may have seen a reader twice only inside the in-flight window, under the same Message-ID.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dateIn } from '../src/digest/calendar.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { editionSettled, insertConfirmedReaders, insertPapers, insertSubscribers, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { spawnWorker, type WorkerProcess } from './support/worker-process.ts';

const READERS = 600;
const KILLS = 3;
const SMTP_MAX_CONNECTIONS = 2;
/** Messages one worker process holds between SMTP acceptance and its `sent` row (sendsInFlight). */
const IN_FLIGHT = 2 * SMTP_MAX_CONNECTIONS;

let context: TestContext;
before(async () => {
  context = await createTestContext('chaos-worker-kill');
});
after(() => context.close());

function startWorker(): WorkerProcess {
  return spawnWorker(context.env, {
    // ~4 s of sending in all, so three kills land mid-run; a killed worker's batch is retaken after ~2 s.
    SMTP_RATE_LIMIT: '150',
    SMTP_MAX_CONNECTIONS: String(SMTP_MAX_CONNECTIONS),
    DELIVERY_BATCH_SIZE: '20',
    DELIVERY_LOCK_MS: '2000',
  });
}

/** Kill points: one random message count in each of three slices of the run (10–30 %, 35–55 %, 60–80 %). */
function randomKillPoints(): number[] {
  return Array.from({ length: KILLS }, (_, index) => Math.floor(READERS * (0.1 + 0.25 * index + Math.random() * 0.2)));
}

test('a worker SIGKILLed three times mid-run: one sent row per reader, duplicates only in the in-flight window and under the same Message-ID', async (t) => {
  const { pool } = context.database;
  const { messages } = context.smtp;
  const date = dateIn('UTC');
  await insertPapers(pool, [
    { title: 'Crash-proof delivery', upvotes: 10 },
    { title: 'Second paper', upvotes: 5 },
  ]);
  await insertConfirmedReaders(pool, READERS);
  await insertSubscribers(pool, [{ email: 'pending@example.org', status: 'pending' }]);

  const killPoints = randomKillPoints();
  /** How many messages the server had once each killed worker was gone: the boundaries of each worker's life. */
  const receivedAtKill: number[] = [];
  /** Per kill, the readers whose delivery the dead worker held ('sending'): the only ones that kill may duplicate. */
  const heldAtKill: Set<string>[] = [];
  let worker = startWorker();
  const started = Date.now();
  try {
    await enqueueDigest(context.services.queues, date);
    for (const killAt of killPoints) {
      await context.smtp.waitForMessages(killAt, 60_000);
      // Anywhere between two acceptances: mid-claim, mid-SMTP transaction, mid-group-commit.
      await sleep(Math.floor(Math.random() * 150));
      await worker.stop('SIGKILL');
      // A message whose last byte arrived just before the kill may still be read or parsed: once the server has
      // seen the dead worker's connections close and parsed what they sent, every message it accepted is counted.
      await waitFor(async () => context.smtp.quiet(), "the killed worker's SMTP sessions to be closed and read", 10_000);
      receivedAtKill.push(messages.length);
      const { rows: held } = await pool.query<{ email: string }>(
        `SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.status = 'sending'`,
      );
      heldAtKill.push(new Set(held.map((row) => row.email)));
      worker = startWorker();
    }
    await waitFor(() => editionSettled(pool, date), 'every delivery to be final', 90_000);
  } finally {
    await worker.stop('SIGTERM');
  }

  const { rows } = await pool.query<{ sent: number; readers: number; other: number }>(
    `SELECT count(*) FILTER (WHERE d.status = 'sent')::int AS sent,
            count(DISTINCT d.subscriber_id) FILTER (WHERE d.status = 'sent' AND s.status = 'confirmed')::int AS readers,
            count(*) FILTER (WHERE d.status <> 'sent')::int AS other
       FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id`,
  );
  assert.deepEqual(rows[0], { sent: READERS, readers: READERS, other: 0 }, 'exactly one sent delivery per confirmed reader');

  // What the wire saw: every reader at least once, a second copy only for a message in flight at a kill.
  const copies = new Map<string, { messageIds: string[]; arrivals: number[] }>();
  messages.forEach((message, index) => {
    const to = message.envelopeTo[0]!;
    const entry = copies.get(to) ?? { messageIds: [], arrivals: [] };
    entry.messageIds.push(message.parsed.messageId!);
    entry.arrivals.push(index);
    copies.set(to, entry);
  });
  assert.equal(copies.size, READERS, 'every confirmed reader received the digest');
  assert.ok(!copies.has('pending@example.org'));
  const { rows: subscribers } = await pool.query<{ publicId: string; email: string }>(
    `SELECT replace(public_id::text, '-', '') AS "publicId", email FROM subscribers`,
  );
  const idOf = new Map(subscribers.map((row) => [row.email, row.publicId]));
  for (const [address, { messageIds }] of copies) {
    const expected = `<edition-${date}.${idOf.get(address)!}@paperboy.test>`;
    assert.deepEqual(new Set(messageIds), new Set([expected]), `every copy to ${address} carries its one Message-ID`);
  }

  // Which kill caused each extra copy: the first kill after the copy before it was accepted (that copy's
  // `sent` row never landed). It must be a reader that kill's worker held.
  const duplicatesPerKill = Array.from({ length: KILLS }, () => 0);
  for (const [address, { arrivals }] of copies) {
    for (const [index, arrival] of arrivals.slice(1).entries()) {
      const kill = receivedAtKill.findIndex((boundary) => arrivals[index]! < boundary);
      assert.ok(kill >= 0 && arrival >= receivedAtKill[kill]!, `${address} was sent twice without a kill in between`);
      assert.ok(heldAtKill[kill]!.has(address), `${address} was sent twice though the worker killed did not hold it`);
      duplicatesPerKill[kill]! += 1;
    }
  }
  const duplicates = messages.length - READERS;
  const bound = KILLS * IN_FLIGHT;
  t.diagnostic(
    `killed at ${killPoints.join(', ')} messages (server had ${receivedAtKill.join(', ')}); ` +
      `received ${messages.length} for ${READERS} readers: ${duplicates} duplicate(s) [${duplicatesPerKill.join(', ')} per kill], ` +
      `bound ${bound} (${KILLS} kills × ${IN_FLIGHT} in flight); ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.ok(duplicates <= bound, `${duplicates} duplicates exceed ${KILLS} kills × ${IN_FLIGHT} messages in flight`);
  for (const count of duplicatesPerKill) assert.ok(count <= IN_FLIGHT, `one kill duplicated ${count} > ${IN_FLIGHT} messages`);
});
