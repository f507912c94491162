// The daily digest end to end: real Postgres, Redis and SMTP; in-process workers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enqueueDigest, runDigest } from '../src/digest/digest-job.ts';
import { verifyToken } from '../src/security/tokens.ts';
import {
  editionSettled,
  insertPapers,
  insertSubscribers,
  publicIdOf,
  startDigestWorkers,
  waitFor,
  deliveryStatuses,
  upcomingDate,
} from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('digest-pipeline');
});
after(() => context.close());

const messagesTo = (address: string) => context.smtp.messages.filter((message) => message.envelopeTo.includes(address));

test('every confirmed reader gets exactly one digest, with the headers, parts and links a mail client needs', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  await insertPapers(pool, [
    { title: 'Attention is still all you need', upvotes: 120 },
    { title: 'Über-efficient “diffusion” models', upvotes: 90, codeUrl: null },
    { title: 'A third paper', upvotes: 40 },
  ]);
  const readers = ['ada@example.org', 'alan@example.net', 'grace@example.com'];
  const ids = await insertSubscribers(pool, [
    ...readers.map((email) => ({ email, status: 'confirmed' as const })),
    { email: 'pending@example.org', status: 'pending' },
    { email: 'left@example.org', status: 'unsubscribed' },
    { email: 'bounced@example.org', status: 'suppressed' },
  ]);

  const workers = startDigestWorkers(context.services);
  try {
    await enqueueDigest(context.services.queues, date);
    const statuses = await waitFor(() => editionSettled(pool, date), 'the edition to be sent');
    assert.deepEqual(statuses, { sent: 3 });
  } finally {
    await workers.close();
  }

  assert.equal(context.smtp.messages.length, 3);
  for (const [index, email] of readers.entries()) {
    const received = messagesTo(email);
    assert.equal(received.length, 1, `${email} gets one digest`);
    const { parsed, raw } = received[0]!;
    const publicId = await publicIdOf(pool, ids[index]!);
    assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined, email);
    assert.equal(parsed.from?.value[0]?.address, 'digest@paperboy.test');
    assert.equal(
      parsed.subject,
      `${Number(date.slice(8))} ${new Date(`${date}T12:00:00Z`).toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })} — Attention is still all you need + 2 more`,
    );
    assert.equal(parsed.messageId, `<edition-${date}.${publicId}@paperboy.test>`);
    assert.ok(parsed.date instanceof Date && Math.abs(parsed.date.getTime() - Date.now()) < 60_000, 'Date is now');
    const list = parsed.headers.get('list') as {
      unsubscribe: { url: string; mail?: string };
      id: { id: string };
      'unsubscribe-post': { name: string };
    };
    assert.match(list.unsubscribe.url, /^http:\/\/paperboy\.test\/unsubscribe\?token=/);
    // No receiver configured (BOUNCE_ADDRESS): no mailto: nobody would read (the per-reader one: tests/inbound-reports.test.ts).
    assert.equal(list.unsubscribe.mail, undefined);
    assert.equal(list['unsubscribe-post'].name, 'List-Unsubscribe=One-Click');
    assert.equal(list.id.id, 'digest.paperboy.test');
    const token = new URL(list.unsubscribe.url).searchParams.get('token')!;
    const check = verifyToken(context.services.keys.tokens, token, 'unsubscribe');
    assert.ok(check.ok, 'the unsubscribe token verifies');
    assert.deepEqual(check.claims.subscriber, { publicId }, 'the link unsubscribes this reader and no one else');
    assert.match(raw.toString('latin1'), /Content-Type: multipart\/alternative;/);

    // Both parts carry every paper and every link.
    const html = String(parsed.html);
    const text = parsed.text ?? '';
    for (const title of ['Attention is still all you need', 'Über-efficient “diffusion” models', 'A third paper']) {
      assert.ok(text.includes(title), `text part names "${title}"`);
    }
    assert.ok(html.includes('Über-efficient “diffusion” models'));
    assert.ok(html.includes('href="https://arxiv.org/abs/2611.00000"'), 'paper link');
    assert.ok(html.includes('href="https://github.com/example/paper-0"'), 'code link where known');
    assert.ok(!html.includes('https://github.com/example/paper-1'), 'no code link where none is known');
    assert.ok(html.includes(`href="${list.unsubscribe.url}"`), 'one-click unsubscribe in the footer');
    assert.ok(text.includes(list.unsubscribe.url));
    assert.ok(html.includes(`href="http://paperboy.test/editions/${date}"`), 'view in browser');
    assert.ok(text.includes(`http://paperboy.test/editions/${date}`));
    assert.match(text, /Ada Lovelace, Alan Turing, Grace Hopper et al\./);
    assert.match(text, /▲ 120 upvotes/);
  }
  for (const email of ['pending@example.org', 'left@example.org', 'bounced@example.org']) {
    assert.equal(messagesTo(email).length, 0, `${email} gets nothing`);
  }
  const { rows } = await pool.query(`SELECT status, smtp_response, sent_at FROM deliveries`);
  assert.equal(rows.length, 3, 'no delivery row for readers who are not confirmed');
  for (const row of rows) {
    assert.match(row.smtp_response, /^250 /);
    assert.ok(row.sent_at instanceof Date);
  }
});

test('a second run for the same date sends nothing new', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  const before = context.smtp.messages.length;
  const workers = startDigestWorkers(context.services);
  try {
    const job = await enqueueDigest(context.services.queues, date);
    await waitFor(async () => (await job.getState()) === 'completed', 'the rerun to finish');
    // Whatever the rerun queued (nothing, if it is right) has run by the time the deliveries queue is idle.
    const deliveries = context.services.queues.deliveries;
    await waitFor(async () => {
      const counts = await deliveries.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(counts).every((count) => count === 0);
    }, 'the deliveries queue to be idle');
  } finally {
    await workers.close();
  }
  assert.equal(context.smtp.messages.length, before);
  assert.deepEqual(await deliveryStatuses(pool, date), { sent: 3 });
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM editions`);
  assert.equal(rows[0].n, 1, 'the edition is reused, not built again');
});

test('a reader who unsubscribes after the fan-out, or whose address is only on the suppressions list, is skipped at send time', async () => {
  const { pool } = context.database;
  const date = upcomingDate(2);
  await insertPapers(pool, [{ title: 'Fresh paper for the 29th', upvotes: 50 }]);
  const [stays, leaves, complained] = await insertSubscribers(pool, [
    { email: 'stays@example.org', status: 'confirmed' },
    { email: 'leaves@example.org', status: 'confirmed' },
    { email: 'Complained@example.org', status: 'confirmed' },
  ]);
  const result = await runDigest(context.services, { date, trigger: 'manual' });
  assert.ok('editionId' in result && result.editionId !== null);
  await pool.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = $1`, [leaves]);
  // A complaint lands on the suppressions list (lower-cased) while the reader's status is still 'confirmed':
  // the list alone must stop the mail.
  await pool.query(`INSERT INTO suppressions (email, reason) VALUES ('complained@example.org', 'complaint')`);

  const workers = startDigestWorkers(context.services);
  try {
    await waitFor(() => editionSettled(pool, date), 'the edition to be sent');
  } finally {
    await workers.close();
  }
  assert.equal(messagesTo('leaves@example.org').length, 0);
  assert.equal(messagesTo('Complained@example.org').length, 0, 'a complaint on the suppressions list is never mailed');
  assert.equal(messagesTo('stays@example.org').filter((m) => m.parsed.subject?.includes('Fresh paper')).length, 1);
  const { rows } = await pool.query(`SELECT subscriber_id, status FROM deliveries WHERE subscriber_id = ANY($1) ORDER BY subscriber_id`, [
    [stays, leaves, complained],
  ]);
  assert.deepEqual(
    rows.map((row) => row.status),
    ['sent', 'skipped', 'skipped'],
  );
});

test('no trending papers means no edition and no email', async () => {
  const before = context.smtp.messages.length;
  // Every inserted paper is already in an edition: nothing left to trend.
  const result = await runDigest(context.services, { date: upcomingDate(3), trigger: 'manual' });
  assert.deepEqual(result, { editionDate: upcomingDate(3), editionId: null, reason: 'no trending papers' });
  const { rows } = await context.database.pool.query(`SELECT 1 FROM editions WHERE edition_date = $1`, [upcomingDate(3)]);
  assert.equal(rows.length, 0);
  assert.equal(context.smtp.messages.length, before);
});
