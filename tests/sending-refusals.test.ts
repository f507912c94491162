// Only a mailbox refused at RCPT suppresses. A relay refusing at MAIL FROM or DATA, or for policy (5.7.x), fails
// that message with the reply kept and suppresses no one: digests and confirmations alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { requestSubscriptions } from '../src/db/subscribers.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { sendConfirmations } from '../src/subscriptions/confirmation-mail.ts';
import { editionSettled, insertPapers, insertSubscribers, startDigestWorkers, upcomingDate, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('sending-refusals', { DELIVERY_RETRY_DELAY_MS: '100', DELIVERY_MAX_ATTEMPTS: '3' });
});
after(() => context.close());

const pool = () => context.database.pool;

async function suppressedCount(): Promise<number> {
  const { rows } = await pool().query<{ n: number }>(
    `SELECT (SELECT count(*) FROM suppressions)::int + (SELECT count(*) FROM subscribers WHERE status = 'suppressed')::int AS n`,
  );
  return rows[0]!.n;
}

test('a digest refused at MAIL FROM (554 5.7.1) and at DATA (550 5.7.26) fails those deliveries once, keeps the reply, suppresses no one', async () => {
  const date = upcomingDate(2);
  await insertPapers(pool(), [{ title: 'Refused for policy', upvotes: 10 }]);
  const readers = ['a1@example.org', 'a2@example.org', 'dmarc1@example.org', 'dmarc2@example.org', 'fine@example.org'];
  await insertSubscribers(
    pool(),
    readers.map((email) => ({ email, status: 'confirmed' })),
  );
  // MAIL FROM comes before the recipient is named: the first two messages offered are refused there.
  let mailFroms = 0;
  context.smtp.setSenderPolicy(() => {
    mailFroms += 1;
    return mailFroms <= 2 ? { code: 554, message: '5.7.1 Sender address rejected: access denied' } : undefined;
  });
  context.smtp.setDataPolicy((to) =>
    to.some((address) => address.startsWith('dmarc'))
      ? { code: 550, message: '5.7.26 Unauthenticated email is not accepted (DMARC)' }
      : undefined,
  );
  const workers = startDigestWorkers(context.services);
  try {
    await enqueueDigest(context.services.queues, date);
    await waitFor(() => editionSettled(pool(), date), 'every delivery to be final', 30_000);
  } finally {
    await workers.close();
    context.smtp.setSenderPolicy(undefined);
    context.smtp.setDataPolicy(undefined);
  }
  const { rows } = await pool().query<{ email: string; status: string; attempts: number; last_error: string | null }>(
    `SELECT s.email, d.status, d.attempts, d.last_error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id ORDER BY s.email`,
  );
  const failed = rows.filter((row) => row.status === 'failed');
  const sent = rows.filter((row) => row.status === 'sent');
  assert.equal(failed.length, 4, 'two refused at MAIL FROM, two at DATA');
  assert.equal(sent.length, 1);
  assert.ok(
    failed.every((row) => row.attempts === 1),
    'a permanent refusal is not retried',
  );
  assert.equal(failed.filter((row) => /^554 5\.7\.1 /.test(row.last_error ?? '')).length, 2, 'the MAIL FROM reply is kept');
  assert.deepEqual(
    failed.filter((row) => /^550 5\.7\.26 /.test(row.last_error ?? '')).map((row) => row.email),
    ['dmarc1@example.org', 'dmarc2@example.org'],
    'the DATA reply is kept',
  );
  assert.equal(await suppressedCount(), 0, 'nobody is suppressed');
  const { rows: confirmed } = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM subscribers WHERE status = 'confirmed'`);
  assert.equal(confirmed[0]!.n, readers.length);
});

test('a confirmation refused at DATA for DMARC is final for that email, and the reader stays pending, unsuppressed', async () => {
  const address = 'dmarc-confirm@example.org';
  const [claim] = await requestSubscriptions(pool(), [{ input: address, email: address, sourceIpHash: null, reason: 'test' }], 10);
  assert.ok(claim);
  context.smtp.setDataPolicy(() => ({ code: 550, message: '5.7.26 This message does not pass authentication checks' }));
  try {
    const error = await sendConfirmations(context.services, [claim]).then(
      () => assert.fail('a refusal must fail the job'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof UnrecoverableError, 'a 5.7.26 is not retried');
    assert.match(error.message, /5\.7\.26/);
  } finally {
    context.smtp.setDataPolicy(undefined);
  }
  const { rows } = await pool().query<{ status: string }>(`SELECT status FROM subscribers WHERE email = $1`, [address]);
  assert.deepEqual(rows, [{ status: 'pending' }]);
  assert.equal(await suppressedCount(), 0);
  // The claim is done: a retry of the same job sends nothing; a new request past the resend interval can send again.
  assert.deepEqual(await sendConfirmations(context.services, [claim]), ['skipped']);
});

test('a confirmation refused at MAIL FROM (554 5.7.1) suppresses no one; 550 5.1.1 at RCPT still suppresses', async () => {
  const blocked = 'blocked-sender@example.org';
  const gone = 'gone-confirm@example.org';
  const claims = await requestSubscriptions(
    pool(),
    [blocked, gone].map((email) => ({ input: email, email, sourceIpHash: null, reason: 'test' })),
    10,
  );
  let mailFromBlocked = true;
  context.smtp.setSenderPolicy(() =>
    mailFromBlocked ? { code: 554, message: '5.7.1 Service unavailable; client host blocked' } : undefined,
  );
  try {
    await sendConfirmations(context.services, [claims[0]!]).catch(() => {});
    mailFromBlocked = false;
    context.smtp.setRecipientPolicy((to) => (to === gone ? { code: 550, message: '5.1.1 No such user' } : undefined));
    await sendConfirmations(context.services, [claims[1]!]).catch(() => {});
  } finally {
    context.smtp.setSenderPolicy(undefined);
    context.smtp.setRecipientPolicy(undefined);
  }
  const { rows } = await pool().query<{ email: string; status: string; reason: string | null }>(
    `SELECT s.email, s.status, x.reason FROM subscribers s LEFT JOIN suppressions x ON x.email = lower(s.email)
      WHERE s.email = ANY($1) ORDER BY s.email`,
    [[blocked, gone]],
  );
  assert.deepEqual(rows, [
    { email: blocked, status: 'pending', reason: null },
    { email: gone, status: 'suppressed', reason: 'hard_bounce' },
  ]);
});
