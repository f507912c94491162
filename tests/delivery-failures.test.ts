// What an SMTP server's refusals do: 4xx waits and retries, a mailbox refused at RCPT (550 5.1.1) suppresses the
// address, nothing twice. Refusals at MAIL FROM or DATA and policy refusals: tests/sending-refusals.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { refusalFromNodemailerError } from '../src/mail/refusals.ts';
import { editionSettled, insertPapers, insertSubscribers, startDigestWorkers, waitFor, upcomingDate } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('delivery-failures', { DELIVERY_RETRY_DELAY_MS: '100', DELIVERY_MAX_ATTEMPTS: '4' });
});
after(() => context.close());

test('4xx and dropped connections are retried, 5.1.1 at RCPT is the mailbox, 5.7.x fails alone, a refused login is ours to fix', () => {
  const kind = (error: object) => refusalFromNodemailerError(error).kind;
  assert.equal(kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 4.7.1 try later' }), 'retry');
  assert.equal(kind({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:25' }), 'retry');
  assert.equal(kind({ code: 'ETIMEDOUT', message: 'Timeout' }), 'retry');
  assert.equal(kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 no such user' }), 'mailbox');
  assert.equal(kind({ code: 'EMESSAGE', command: 'DATA', responseCode: 550, response: '550 5.7.26 DMARC failed' }), 'failed');
  assert.equal(kind({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 554, response: '554 5.7.1 blocked' }), 'failed');
  assert.equal(kind({ code: 'EAUTH', responseCode: 535, response: '535 bad credentials' }), 'retry');
});

test('a 4xx is retried with backoff until delivered, a 550 5.1.1 at RCPT fails once and suppresses the address, the rest arrive', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  await insertPapers(pool, [{ title: 'Retry me', upvotes: 10 }]);
  const [, slowId, goneId, neverId] = await insertSubscribers(pool, [
    { email: 'fine@example.org', status: 'confirmed' },
    { email: 'greylisted@example.org', status: 'confirmed' },
    { email: 'gone@example.org', status: 'confirmed' },
    { email: 'always-busy@example.org', status: 'confirmed' },
  ]);
  const refusals = new Map<string, number>();
  context.smtp.setRecipientPolicy((address) => {
    const seen = (refusals.get(address) ?? 0) + 1;
    refusals.set(address, seen);
    if (address === 'greylisted@example.org' && seen <= 2) return { code: 451, message: '4.7.1 Greylisted, try again later' };
    if (address === 'gone@example.org') return { code: 550, message: '5.1.1 No such mailbox' };
    if (address === 'always-busy@example.org') return { code: 452, message: '4.2.2 Mailbox full, try again later' };
    return undefined;
  });

  const workers = startDigestWorkers(context.services);
  try {
    await enqueueDigest(context.services.queues, date);
    await waitFor(() => editionSettled(pool, date), 'every delivery to be final', 30_000);
  } finally {
    await workers.close();
    context.smtp.setRecipientPolicy(undefined);
  }

  const received = (address: string) => context.smtp.messages.filter((message) => message.envelopeTo.includes(address)).length;
  assert.equal(received('fine@example.org'), 1);
  assert.equal(received('greylisted@example.org'), 1, 'delivered once after two refusals');
  assert.equal(received('gone@example.org'), 0);
  assert.equal(received('always-busy@example.org'), 0);
  assert.equal(refusals.get('gone@example.org'), 1, 'a permanent refusal is not retried');
  assert.equal(refusals.get('always-busy@example.org'), 4, 'a temporary refusal is retried up to DELIVERY_MAX_ATTEMPTS');

  const { rows: deliveries } = await pool.query(
    `SELECT subscriber_id, status, attempts, last_error FROM deliveries ORDER BY subscriber_id`,
  );
  const bySubscriber = new Map(deliveries.map((row) => [row.subscriber_id, row]));
  assert.equal(bySubscriber.get(slowId).status, 'sent');
  assert.equal(bySubscriber.get(slowId).attempts, 3);
  assert.equal(bySubscriber.get(goneId).status, 'failed');
  assert.match(bySubscriber.get(goneId).last_error, /550/);
  assert.equal(bySubscriber.get(neverId).status, 'failed');
  assert.match(bySubscriber.get(neverId).last_error, /452/);

  const { rows: subscribers } = await pool.query(`SELECT id, status FROM subscribers WHERE id = ANY($1) ORDER BY id`, [[goneId, neverId]]);
  assert.deepEqual(
    subscribers.map((row) => row.status),
    ['suppressed', 'confirmed'],
    'a hard bounce suppresses; running out of retries does not',
  );
  const { rows: suppressions } = await pool.query(`SELECT email, reason FROM suppressions`);
  assert.deepEqual(suppressions, [{ email: 'gone@example.org', reason: 'hard_bounce' }]);
  const { rows: events } = await pool.query(`SELECT subscriber_id, status, reason FROM subscriber_events WHERE subscriber_id = $1`, [
    goneId,
  ]);
  assert.deepEqual(events, [{ subscriber_id: goneId, status: 'suppressed', reason: 'hard bounce' }]);
});
