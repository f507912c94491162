// The relay misbehaves under a real `paperboy worker` process: for the first seconds it refuses
// connections (421) and then greylists every recipient (451), and some addresses do not exist (550).
// Afterwards every other reader holds exactly one email, and the dead addresses are suppressed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dateIn } from '../src/digest/calendar.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { deliveryStatuses, editionSettled, insertConfirmedReaders, insertPapers, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { spawnWorker } from './support/worker-process.ts';

const READERS = 300;
/** reader-10, reader-20, …: mailboxes that do not exist. */
const isDead = (address: string) => /^reader-\d*0@/.test(address);
/** From the first connection: 421 at the greeting, then 421 to every recipient, then 451 to every recipient. */
const REFUSE_CONNECTIONS_MS = 1_000;
const CLOSING_UNTIL_MS = 2_000;
const GREYLIST_UNTIL_MS = 3_500;

let context: TestContext;
before(async () => {
  context = await createTestContext('chaos-smtp');
});
after(() => context.close());

test('a relay answering 421 then 451 for seconds, and 550 for dead mailboxes: the rest get one email each, the dead are suppressed', async (t) => {
  const { pool } = context.database;
  const { smtp } = context;
  const date = dateIn('UTC');
  await insertPapers(pool, [{ title: 'Delivered despite the relay', upvotes: 10 }]);
  await insertConfirmedReaders(pool, READERS);
  const dead = Array.from({ length: READERS }, (_, index) => `reader-${index + 1}@example.org`).filter(isDead);

  let outageStart = 0;
  const elapsed = () => {
    if (outageStart === 0) outageStart = Date.now();
    return Date.now() - outageStart;
  };
  const refusals = { connections421: 0, recipients421: 0, recipients451: 0 };
  const permanentRefusals = new Map<string, number>();
  smtp.setConnectionPolicy(() => {
    if (elapsed() >= REFUSE_CONNECTIONS_MS) return undefined;
    refusals.connections421 += 1;
    return { code: 421, message: '4.3.2 Service shutting down for maintenance, try again later' };
  });
  smtp.setRecipientPolicy((address) => {
    const now = elapsed();
    if (now < CLOSING_UNTIL_MS) {
      refusals.recipients421 += 1;
      return { code: 421, message: '4.3.2 Service shutting down, closing connection' };
    }
    if (now < GREYLIST_UNTIL_MS) {
      refusals.recipients451 += 1;
      return { code: 451, message: '4.7.1 Greylisted, please try again later' };
    }
    if (isDead(address)) {
      permanentRefusals.set(address, (permanentRefusals.get(address) ?? 0) + 1);
      return { code: 550, message: '5.1.1 No such mailbox' };
    }
    return undefined;
  });

  const worker = spawnWorker(context.env, {
    SMTP_MAX_CONNECTIONS: '2',
    DELIVERY_BATCH_SIZE: '25',
    // 250 ms doubling: 8 tries span ~30 s, well past the outage.
    DELIVERY_RETRY_DELAY_MS: '250',
    DELIVERY_MAX_ATTEMPTS: '10',
  });
  const started = Date.now();
  try {
    await enqueueDigest(context.services.queues, date);
    await waitFor(() => editionSettled(pool, date), 'every delivery to be final', 90_000);
  } finally {
    await worker.stop('SIGTERM');
    smtp.setConnectionPolicy(undefined);
    smtp.setRecipientPolicy(undefined);
  }
  t.diagnostic(
    `outage refused ${refusals.connections421} connection(s) with 421, ${refusals.recipients421} recipient(s) with 421, ` +
      `${refusals.recipients451} with 451; settled in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.ok(refusals.connections421 > 0 && refusals.recipients421 > 0 && refusals.recipients451 > 0, 'the outage really hit the run');

  // The wire: one email per live reader, none to a dead mailbox, each dead mailbox refused once for good.
  const perReader = new Map<string, number>();
  for (const message of smtp.messages) perReader.set(message.envelopeTo[0]!, (perReader.get(message.envelopeTo[0]!) ?? 0) + 1);
  assert.equal(perReader.size, READERS - dead.length, 'every live reader received the digest');
  assert.deepEqual(
    [...perReader].filter(([, count]) => count !== 1),
    [],
    'nobody received it twice',
  );
  assert.ok(!dead.some((address) => perReader.has(address)), 'nothing was delivered to a dead mailbox');
  assert.deepEqual([...permanentRefusals.keys()].sort(), [...dead].sort(), 'every dead mailbox was tried once the outage ended');
  assert.ok(
    [...permanentRefusals.values()].every((count) => count === 1),
    'a 550 is never retried',
  );

  // Postgres: sent for the living, failed + suppressed for the dead, nothing left open.
  assert.deepEqual(await deliveryStatuses(pool, date), { sent: READERS - dead.length, failed: dead.length });
  const { rows: failed } = await pool.query<{ last_error: string }>(`SELECT last_error FROM deliveries WHERE status = 'failed'`);
  assert.ok(
    failed.every((row) => /^550\b/.test(row.last_error)),
    'failed deliveries keep the 550 they got',
  );
  const { rows: suppressed } = await pool.query<{ email: string }>(
    `SELECT s.email FROM subscribers s JOIN suppressions x ON x.email = lower(s.email)
      WHERE s.status = 'suppressed' AND x.reason = 'hard_bounce' ORDER BY s.email`,
  );
  assert.deepEqual(
    suppressed.map((row) => row.email),
    [...dead].sort(),
  );
  const { rows: confirmed } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscribers WHERE status = 'confirmed'`);
  assert.equal(confirmed[0]!.n, READERS - dead.length, 'a temporary refusal never suppresses anyone');
});
