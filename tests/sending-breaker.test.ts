// The circuit breaker: a relay that refuses everyone (a DMARC slip at DATA) pauses the edition after the sample,
// suppresses nobody, and `paperboy digest --resume` delivers everyone exactly once after the fix. A list with a
// few dead mailboxes is not paused: those are suppressed and everyone else is delivered.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { dateIn } from '../src/digest/calendar.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { createLogger } from '../src/logger.ts';
import { deliveryStatuses, editionSettled, insertConfirmedReaders, insertPapers, startDigestWorkers, waitFor } from './support/digest.ts';
import { runPaperboy } from './support/cli.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const READERS = 300;
const BATCH = 25;

let context: TestContext;
before(async () => {
  context = await createTestContext('sending-breaker', { DELIVERY_BATCH_SIZE: String(BATCH), DELIVERY_RETRY_DELAY_MS: '100' });
});
after(() => context.close());

const runDigestCli = (args: string[]) => runPaperboy(context, ['digest', ...args], { DELIVERY_BATCH_SIZE: String(BATCH) });

async function suppressedCount(): Promise<number> {
  const { rows } = await context.database.pool.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM suppressions)::int + (SELECT count(*) FROM subscribers WHERE status = 'suppressed')::int AS n`,
  );
  return rows[0]!.n;
}

test('550 5.7.26 at DATA for everyone: nobody suppressed, paused after the sample, --resume delivers everyone exactly once', async (t) => {
  const { pool } = context.database;
  const { smtp } = context;
  const date = dateIn('UTC');
  await insertPapers(pool, [{ title: 'Held back by a broken relay', upvotes: 10 }]);
  await insertConfirmedReaders(pool, READERS);
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    'paperboy',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    }),
  );
  smtp.setDataPolicy(() => ({ code: 550, message: '5.7.26 Unauthenticated email from paperboy.test is not accepted due to DMARC policy' }));
  const workers = startDigestWorkers({ ...context.services, logger });
  try {
    const paused = await runDigestCli(['--date', date, '--wait']);
    assert.equal(paused.code, 1, `--wait reports a paused edition with a non-zero exit\n${paused.stdout}${paused.stderr}`);
    assert.match(paused.stdout, /paused: \d+ of \d+ sends refused, most common reply "550 5\.7\.26 Unauthenticated email/, paused.stderr);
    assert.match(paused.stdout, new RegExp(`paperboy digest --resume --date ${date}`));

    // Whatever was in flight finishes; then nothing moves.
    await waitFor(async () => (await deliveryStatuses(pool, date)).sending === undefined && true, 'in-flight sends to finish');
    const statuses = await deliveryStatuses(pool, date);
    assert.equal(statuses.sent, undefined, 'nothing got through');
    assert.ok(statuses.failed! >= 50, `paused only after the sample of 50 (failed ${statuses.failed})`);
    assert.ok(statuses.failed! <= 50 + 2 * BATCH, `paused soon after the sample (failed ${statuses.failed})`);
    assert.equal(statuses.queued, READERS - statuses.failed!, 'the rest stay open');
    assert.equal(await suppressedCount(), 0, 'a policy refusal suppresses nobody');
    const refusedBefore = smtp.senders.length;
    t.diagnostic(`paused with ${statuses.failed} of ${READERS} refused, ${statuses.queued} left queued`);
    const pauses = lines.filter((line) => line.includes('edition paused'));
    assert.equal(pauses.length, 1, 'one log line says it paused');
    assert.match(pauses[0]!, /most common reply \\"550 5\.7\.26 /);
    assert.match(pauses[0]!, /"mostCommonReply":"550 5\.7\.26 /);

    // A rerun of the digest (the scheduler, a hand) does not resume it.
    await enqueueDigest(context.services.queues, date);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(smtp.senders.length, refusedBefore, 'a paused edition sends nothing on a rerun');

    smtp.setDataPolicy(undefined);
    const resumed = await runDigestCli(['--resume', '--date', date, '--wait']);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, /resumed \(\d+ refused deliveries queued again/);
    assert.match(resumed.stdout.trim().split('\n').at(-1)!, new RegExp(`^digest ${date}: ${READERS} sent `));
  } finally {
    await workers.close();
    smtp.setDataPolicy(undefined);
  }
  const perReader = new Map<string, number>();
  for (const message of smtp.messages) for (const to of message.envelopeTo) perReader.set(to, (perReader.get(to) ?? 0) + 1);
  assert.equal(perReader.size, READERS, 'everyone got the edition');
  assert.ok(
    [...perReader.values()].every((count) => count === 1),
    'exactly once each',
  );
  assert.equal(await suppressedCount(), 0);
});

test('550 5.1.1 at RCPT for one address in ten: those suppressed, everyone else delivered, no pause', async () => {
  const { pool } = context.database;
  const { smtp } = context;
  await pool.query(`TRUNCATE deliveries, editions, edition_papers, papers, subscribers, suppressions CASCADE`);
  smtp.messages.length = 0;
  const date = dateIn('UTC');
  await insertPapers(pool, [{ title: 'Delivered past a few dead mailboxes', upvotes: 10 }]);
  await insertConfirmedReaders(pool, 200, 'example.net');
  const isDead = (address: string) => /^reader-\d*0@/.test(address);
  smtp.setRecipientPolicy((address) =>
    isDead(address) ? { code: 550, message: '5.1.1 The email account that you tried to reach does not exist' } : undefined,
  );
  const workers = startDigestWorkers(context.services);
  try {
    await enqueueDigest(context.services.queues, date);
    await waitFor(() => editionSettled(pool, date), 'every delivery final', 60_000);
  } finally {
    await workers.close();
    smtp.setRecipientPolicy(undefined);
  }
  assert.deepEqual(await deliveryStatuses(pool, date), { sent: 180, failed: 20 });
  const { rows } = await pool.query<{ email: string; reason: string; status: string }>(
    `SELECT x.email, x.reason, s.status FROM suppressions x JOIN subscribers s ON lower(s.email) = x.email ORDER BY x.email`,
  );
  assert.equal(rows.length, 20);
  assert.ok(rows.every((row) => isDead(row.email) && row.reason === 'hard_bounce' && row.status === 'suppressed'));
  const { rows: editions } = await pool.query<{ paused_at: Date | null }>(`SELECT paused_at FROM editions`);
  assert.deepEqual(editions, [{ paused_at: null }], '10% refused is under the threshold');
});
