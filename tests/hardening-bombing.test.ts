// Subscription bombing: nobody can make the service fill a victim's inbox with confirmation emails, by +tag
// variants, by many addresses of one IPv6 network, by many clients (a global hourly cap), or while Redis is away.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildApp } from '../src/http/app.ts';
import { waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { settleConfirmations, startApp, subscribeByJson, SUBSCRIPTION_TEST_ENV, type RunningApp } from './support/subscriptions.ts';

let context: TestContext;
let running: RunningApp;
let capped: TestContext;
let cappedApp: RunningApp;
before(async () => {
  context = await createTestContext('hardening_bombing', { ...SUBSCRIPTION_TEST_ENV, SUBSCRIBE_RATE_LIMIT: '10' });
  running = await startApp(context);
  capped = await createTestContext('hardening_bombing_cap', { ...SUBSCRIPTION_TEST_ENV, CONFIRM_GLOBAL_PER_HOUR: '3' });
  cappedApp = await startApp(capped);
});
after(async () => {
  await running?.close();
  await context?.close();
  await cappedApp?.close();
  await capped?.close();
});

const mailsTo = (ctx: TestContext, mailbox: RegExp) =>
  ctx.smtp.messages.filter((message) => message.envelopeTo.some((to) => mailbox.test(to)));

test('+tag variants of one inbox, from as many addresses, bring that inbox one confirmation, and every variant is stored as typed', async () => {
  const answers = [];
  for (let i = 0; i < 30; i++) {
    answers.push(await subscribeByJson(running.app, { email: `Victim+${i}@example.org` }, `198.51.100.${i + 1}`));
  }
  answers.push(await subscribeByJson(running.app, { email: 'victim@example.org' }, '198.51.100.200'));
  assert.ok(
    answers.every((answer) => answer.statusCode === 202),
    'every request gets the same answer',
  );
  await waitFor(async () => mailsTo(context, /^victim(\+\d+)?@example\.org$/i).length >= 1, 'the first confirmation');
  await settleConfirmations(context);
  assert.equal(mailsTo(context, /^victim(\+\d+)?@example\.org$/i).length, 1, 'one email to the inbox, not 31');
  const { rows } = await context.services.pool.query<{ email_input: string }>(
    `SELECT email_input FROM subscribers WHERE email ILIKE 'victim%' ORDER BY id`,
  );
  assert.equal(rows.length, 31);
  assert.equal(rows[0]!.email_input, 'Victim+0@example.org', 'the address is stored as typed, tag and all');
});

test('an IPv6 client is counted per /64 (12 addresses of one network held to 10, another network apart), an IPv4 client per address', async () => {
  const statuses = [];
  for (let i = 1; i <= 12; i++) {
    statuses.push((await subscribeByJson(running.app, { email: `six${i}@example.net` }, `2001:db8:77:1::${i.toString(16)}`)).statusCode);
  }
  assert.deepEqual(statuses, [...Array(10).fill(202), 429, 429]);
  assert.equal((await subscribeByJson(running.app, { email: 'six-other@example.net' }, '2001:db8:77:2::1')).statusCode, 202);
  // On a dual-stack listener IPv4 clients arrive as ::ffff:a.b.c.d: each is its own client, not one shared /64.
  const mapped = [];
  for (let i = 1; i <= 11; i++) {
    mapped.push((await subscribeByJson(running.app, { email: `mapped${i}@example.net` }, `::ffff:192.0.2.${i}`)).statusCode);
  }
  assert.deepEqual(mapped, Array(11).fill(202));
});

test('while the rate limiter cannot reach Redis, the limit still holds per process (not off), and answers stay prompt', async () => {
  const app = await buildApp({ ...context.services, env: { ...context.env, REDIS_URL: 'redis://127.0.0.1:1', SUBSCRIBE_RATE_LIMIT: 3 } });
  try {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      statuses.push((await subscribeByJson(app, { email: `outage${i}@example.org` }, '198.51.100.250')).statusCode);
      assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
    }
    assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
  } finally {
    await app.close();
  }
});

test('past CONFIRM_GLOBAL_PER_HOUR, subscriptions are stored and their confirmations wait for the next hour', async () => {
  const emails = ['g1@example.org', 'g2@example.net', 'g3@example.com', 'g4@example.edu', 'g5@example.io'];
  for (const [index, email] of emails.entries()) {
    assert.equal((await subscribeByJson(cappedApp.app, { email }, `192.0.2.${index + 1}`)).statusCode, 202);
  }
  await capped.smtp.waitForMessages(3);
  const queue = capped.services.queues.confirmations;
  const delayed = await waitFor(async () => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
    return (counts.delayed ?? 0) >= 1 && counts.active === 0 && counts.waiting === 0 && counts;
  }, 'the rest of the confirmations to wait');
  assert.ok((delayed.delayed ?? 0) >= 1);
  assert.equal(capped.smtp.messages.length, 3, 'three emails this hour, no more');
  const [job] = await queue.getDelayed();
  const nextHour = (Math.floor(Date.now() / 3600_000) + 1) * 3600_000;
  assert.ok(job!.timestamp + job!.delay >= nextHour, 'the job waits until the next hour');
  const { rows } = await capped.services.pool.query<{ stored: number }>(
    `SELECT count(*)::int AS stored FROM subscribers WHERE status = 'pending'`,
  );
  assert.equal(rows[0]!.stored, 5, 'all five subscriptions are stored');
});
