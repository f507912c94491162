// The subscription lifecycle against real Postgres, Redis and SMTP: what readers and programs are promised.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashIp } from '../src/security/keys.ts';
import { unsubscribeUrl } from '../src/subscriptions/links.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import {
  confirmLinkIn,
  confirmTokenFor,
  lifecycleSnapshot,
  postForm,
  settleConfirmations,
  startApp,
  subscribeByForm,
  subscribeByJson,
  subscriberByEmail,
  SUBSCRIPTION_TEST_ENV,
  tokenOf,
  unsubscribeTokenFor,
  type RunningApp,
} from './support/subscriptions.ts';

let context: TestContext;
let running: RunningApp;
before(async () => {
  context = await createTestContext('subscription', { ...SUBSCRIPTION_TEST_ENV, SUBSCRIBE_RATE_LIMIT: '10000' });
  running = await startApp(context);
});
after(async () => {
  await running?.close();
  await context?.close();
});

const messagesTo = (address: string) => context.smtp.messages.filter((message) => message.envelopeTo.includes(address));
async function waitForMailTo(address: string, count = 1) {
  const deadline = Date.now() + 10_000;
  while (messagesTo(address).length < count) {
    if (Date.now() > deadline) throw new Error(`no mail to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return messagesTo(address);
}
const pool = () => context.services.pool;
const events = async (id: number) =>
  (
    await pool().query<{ status: string; reason: string }>(
      'SELECT status, reason FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id',
      [id],
    )
  ).rows;

/** Subscribes and confirms through the routes, as a reader would. */
async function confirmedReader(address: string) {
  await subscribeByForm(running.app, { email: address });
  const [mail] = await waitForMailTo(address);
  const response = await postForm(running.app, '/confirm', { token: tokenOf(confirmLinkIn(mail!)) });
  assert.equal(response.statusCode, 200);
  return (await subscriberByEmail(pool(), address))!;
}

test('the subscribe page says what you get and works without JavaScript', async () => {
  const response = await running.app.inject({ url: '/' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /text\/html/);
  assert.match(response.body, /trending research papers/);
  assert.match(response.body, /One email a day/);
  assert.match(response.body, /Leave any time/);
  assert.match(response.body, /<label for="email">/);
  assert.match(response.body, /<form class="card" method="post" action="\/subscribe"/);
  assert.doesNotMatch(response.body, /<script/);
  assert.match(String(response.headers['content-security-policy']), /form-action 'self'/, 'helmet sets security headers');
});

test('a new reader gets one confirmation email with an HTML part, a text part, a Message-ID and one link', async () => {
  const response = await subscribeByForm(running.app, { email: 'Ada.Lovelace@Example.org' });
  assert.equal(response.statusCode, 202);
  assert.match(response.body, /Check your inbox/);
  const [mail] = await waitForMailTo('Ada.Lovelace@example.org');
  const { parsed } = mail!;
  assert.equal(parsed.subject, 'Confirm your Paperboy subscription');
  assert.match(parsed.messageId ?? '', /^<confirm-[0-9a-f]{32}-\d+@paperboy\.test>$/, 'names the reader by public id, never the row id');
  const link = confirmLinkIn(mail!);
  assert.equal(link.origin, 'http://paperboy.test');
  assert.ok(parsed.html && parsed.html.includes(link.toString()), 'the HTML part carries the same link');
  assert.match(parsed.text ?? '', /works for 7 days/);
  const subscriber = await subscriberByEmail(pool(), 'ada.lovelace@example.org');
  assert.equal(subscriber?.status, 'pending');
  assert.equal(subscriber?.email_input, 'Ada.Lovelace@Example.org');
});

test('opening the confirmation link changes nothing until the button is pressed; then the page says when the first digest comes', async () => {
  await subscribeByForm(running.app, { email: 'grace@example.org' });
  const [mail] = await waitForMailTo('grace@example.org');
  const link = confirmLinkIn(mail!);
  const before = await lifecycleSnapshot(pool());
  const page = await running.app.inject({ url: `${link.pathname}${link.search}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<button type="submit">Confirm my subscription<\/button>/);
  assert.equal(await lifecycleSnapshot(pool()), before, 'a mail scanner fetching the link confirms nobody');

  const confirmed = await postForm(running.app, '/confirm', { token: tokenOf(link) });
  assert.equal(confirmed.statusCode, 200);
  assert.match(confirmed.body, /Your first digest arrives <strong>\w+day \d{1,2} \w+ at 07:00 \(UTC\)<\/strong>/);
  const subscriber = await subscriberByEmail(pool(), 'grace@example.org');
  assert.equal(subscriber?.status, 'confirmed');
  assert.deepEqual(
    (await events(subscriber!.id)).map((event) => event.status),
    ['pending', 'confirmed'],
  );
  const again = await postForm(running.app, '/confirm', { token: tokenOf(link) });
  assert.equal(again.statusCode, 200, 'confirming twice is harmless');
  assert.equal((await events(subscriber!.id)).length, 2, 'and records nothing new');
});

test('answers to POST /subscribe are byte-identical for new, pending, confirmed, unsubscribed and suppressed addresses', async () => {
  await subscribeByForm(running.app, { email: 'pending@example.org' });
  const confirmed = await confirmedReader('confirmed@example.org');
  const unsubscribed = await confirmedReader('unsubscribed@example.org');
  await postForm(running.app, '/unsubscribe', { token: unsubscribeTokenFor(context, unsubscribed) });
  await pool().query(`INSERT INTO suppressions (email, reason) VALUES ('suppressed@example.org', 'complaint')`);
  assert.equal(confirmed.status, 'confirmed');

  const addresses = [
    'new@example.org',
    'pending@example.org',
    'confirmed@example.org',
    'unsubscribed@example.org',
    'suppressed@example.org',
  ];
  const comparable = (response: Awaited<ReturnType<typeof subscribeByForm>>) => {
    const { date: _date, ...headers } = response.headers;
    return JSON.stringify({ status: response.statusCode, headers, body: response.rawPayload.toString('base64') });
  };
  // Long ago, so that only the requests below can make it recent.
  await pool().query(`UPDATE subscribers SET last_requested_at = '2000-01-01' WHERE email = ANY($1)`, [addresses]);
  for (const send of [subscribeByForm, (app: typeof running.app, fields: Record<string, string>) => subscribeByJson(app, fields)]) {
    const answers = [];
    for (const email of addresses) answers.push(comparable(await send(running.app, { email })));
    assert.equal(new Set(answers).size, 1, `one answer for all: ${answers[0]!.slice(0, 200)}`);
  }
  // Same time too: every request commits a write, whatever the state (a read-only commit skips the WAL flush
  // and would answer known addresses measurably faster; bench/subscribe-timing.ts measures it).
  // The suppression-listed address has no subscriber row: its request is recorded on the suppression.
  const { rows } = await pool().query<{ email: string }>(
    `SELECT email FROM subscribers WHERE email = ANY($1) AND last_requested_at > now() - interval '1 minute'
     UNION ALL
     SELECT email FROM suppressions WHERE email = ANY($1) AND last_requested_at > now() - interval '1 minute'
     ORDER BY email`,
    [addresses],
  );
  assert.deepEqual(
    rows.map((row) => row.email),
    ['confirmed@example.org', 'new@example.org', 'pending@example.org', 'suppressed@example.org', 'unsubscribed@example.org'],
    'every request wrote, whatever the state',
  );
  const json = await subscribeByJson(running.app, { email: 'confirmed@example.org' });
  assert.equal(json.statusCode, 202);
  assert.deepEqual(json.json(), { status: 'pending' });
});

test('a pending address gets at most one confirmation per resend interval, and one again after it', async () => {
  const address = 'throttled@example.org';
  for (let i = 0; i < 3; i++) assert.equal((await subscribeByForm(running.app, { email: address })).statusCode, 202);
  await waitForMailTo(address);
  await settleConfirmations(context);
  assert.equal(messagesTo(address).length, 1);

  // Ten minutes later (moved back in the database rather than waited for), the next request sends again.
  await pool().query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '11 minutes' WHERE email = $1`, [address]);
  await subscribeByForm(running.app, { email: address });
  await waitForMailTo(address, 2);
  await subscribeByForm(running.app, { email: address });
  await settleConfirmations(context);
  assert.equal(messagesTo(address).length, 2);
});

test('twenty parallel requests for one new address send exactly one confirmation', async () => {
  const address = 'parallel@example.org';
  const answers = await Promise.all(Array.from({ length: 20 }, () => subscribeByJson(running.app, { email: address })));
  assert.ok(answers.every((answer) => answer.statusCode === 202));
  await waitForMailTo(address);
  await settleConfirmations(context);
  assert.equal(messagesTo(address).length, 1);
  const { rows } = await pool().query('SELECT count(*)::int AS n FROM subscribers WHERE lower(email) = $1', [address]);
  assert.equal(rows[0].n, 1);
});

test('suppressed addresses are never mailed and never change back, whatever is posted', async () => {
  await pool().query(`INSERT INTO suppressions (email, reason) VALUES ('bounced@example.org', 'hard_bounce')`);
  const complained = await confirmedReader('complained@example.org');
  await pool().query(`UPDATE subscribers SET status = 'suppressed', suppressed_at = now() WHERE id = $1`, [complained.id]);
  await pool().query(`INSERT INTO suppressions (email, reason) VALUES ('complained@example.org', 'complaint')`);
  const mailsBefore = context.smtp.messages.length;
  const before = await lifecycleSnapshot(pool());

  for (const email of ['bounced@example.org', 'Bounced@Example.org', 'complained@example.org']) {
    assert.equal((await subscribeByForm(running.app, { email })).statusCode, 202);
  }
  assert.equal((await postForm(running.app, '/confirm', { token: confirmTokenFor(context, complained) })).statusCode, 409);
  assert.equal((await postForm(running.app, '/resubscribe', { token: unsubscribeTokenFor(context, complained) })).statusCode, 409);
  const unsubscribe = await postForm(running.app, '/unsubscribe', { token: unsubscribeTokenFor(context, complained) });
  assert.equal(unsubscribe.statusCode, 200, 'unsubscribing is harmless: they get nothing either way');
  await settleConfirmations(context);
  assert.equal(context.smtp.messages.length, mailsBefore, 'no mail at all');
  assert.equal(await lifecycleSnapshot(pool()), before, 'nothing stored, nothing changed');
});

test('a filled honeypot gets the same answer and stores nothing', async () => {
  const before = await lifecycleSnapshot(pool());
  const bot = await subscribeByForm(running.app, { email: 'bot@example.org', website: 'http://spam.example' });
  const person = await subscribeByForm(running.app, { email: 'newcomer@example.org', website: '' });
  assert.equal(bot.statusCode, 202);
  assert.equal(bot.body, person.body);
  const program = await subscribeByJson(running.app, { email: 'bot2@example.org', website: 'x' });
  assert.equal(program.statusCode, 202);
  await settleConfirmations(context);
  assert.equal(await subscriberByEmail(pool(), 'bot@example.org'), undefined);
  assert.equal(await subscriberByEmail(pool(), 'bot2@example.org'), undefined);
  assert.equal(messagesTo('bot@example.org').length, 0);
  assert.notEqual(await lifecycleSnapshot(pool()), before, 'the real reader was stored');
});

test('the source IP is stored only as a keyed hash', async () => {
  await subscribeByForm(running.app, { email: 'ip@example.org' }, '203.0.113.9');
  const subscriber = await subscriberByEmail(pool(), 'ip@example.org');
  assert.equal(subscriber?.source_ip_hash, hashIp(context.services.keys, '203.0.113.9'));
  const { rows } = await pool().query(
    `SELECT count(*)::int AS n FROM subscribers WHERE row_to_json(subscribers)::text LIKE '%203.0.113.9%'`,
  );
  assert.equal(rows[0].n, 0);
});

test('RFC 8058 one-click POST unsubscribes in one request; a plain GET of the same URL does not', async () => {
  const reader = await confirmedReader('oneclick@example.org');
  const url = new URL(unsubscribeUrl(context.env, context.services.keys, reader.publicId));
  const path = `${url.pathname}${url.search}`;

  const get = await running.app.inject({ url: path });
  assert.equal(get.statusCode, 200);
  assert.match(get.body, /<button type="submit">Unsubscribe<\/button>/);
  assert.equal((await subscriberByEmail(pool(), 'oneclick@example.org'))?.status, 'confirmed', 'GET unsubscribes nobody');

  const post = await running.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  assert.equal(post.statusCode, 200);
  assert.equal((await subscriberByEmail(pool(), 'oneclick@example.org'))?.status, 'unsubscribed');
  assert.deepEqual((await events(reader.id)).at(-1), { status: 'unsubscribed', reason: 'one-click unsubscribe (RFC 8058)' });
});

test('one-click unsubscribe also works when the mail client sends multipart/form-data', async () => {
  const reader = await confirmedReader('multipart@example.org');
  const url = new URL(unsubscribeUrl(context.env, context.services.keys, reader.publicId));
  const boundary = '----paperboy7MA4YWxkTrZu0gW';
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  const post = await running.app.inject({
    method: 'POST',
    url: `${url.pathname}${url.search}`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
  assert.equal(post.statusCode, 200);
  assert.equal((await subscriberByEmail(pool(), 'multipart@example.org'))?.status, 'unsubscribed');
});

test('the unsubscribe button unsubscribes, and "resubscribe" undoes it without a new confirmation', async () => {
  const reader = await confirmedReader('undo@example.org');
  const token = unsubscribeTokenFor(context, reader);
  const page = await postForm(running.app, '/unsubscribe', { token });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /You’re unsubscribed/);
  assert.match(page.body, /action="\/resubscribe"/);
  const mailsBefore = context.smtp.messages.length;
  const again = await postForm(running.app, '/resubscribe', { token });
  assert.equal(again.statusCode, 200);
  assert.match(again.body, /Welcome back/);
  assert.equal((await subscriberByEmail(pool(), 'undo@example.org'))?.status, 'confirmed');
  assert.deepEqual(
    (await events(reader.id)).map((event) => event.status),
    ['pending', 'confirmed', 'unsubscribed', 'confirmed'],
  );
  await settleConfirmations(context);
  assert.equal(context.smtp.messages.length, mailsBefore, 'no confirmation needed');
});

test('resubscribing is refused after the window, and for a reader who never confirmed', async () => {
  const late = await confirmedReader('late@example.org');
  const token = unsubscribeTokenFor(context, late);
  await postForm(running.app, '/unsubscribe', { token });
  await pool().query(`UPDATE subscribers SET unsubscribed_at = now() - interval '31 days' WHERE id = $1`, [late.id]);
  const before = await lifecycleSnapshot(pool());
  const refused = await postForm(running.app, '/resubscribe', { token });
  assert.equal(refused.statusCode, 409);
  assert.match(refused.body, /Subscribe again on the home page/);

  await subscribeByForm(running.app, { email: 'never@example.org' });
  const never = (await subscriberByEmail(pool(), 'never@example.org'))!;
  const neverToken = unsubscribeTokenFor(context, never);
  await postForm(running.app, '/unsubscribe', { token: neverToken });
  const page = await running.app.inject({ url: `/unsubscribe?token=${neverToken}` });
  assert.doesNotMatch(page.body, /action="\/resubscribe"/, 'no one-click way back without ever having confirmed');
  const snapshot = await lifecycleSnapshot(pool());
  assert.equal((await postForm(running.app, '/resubscribe', { token: neverToken })).statusCode, 409);
  assert.equal(await lifecycleSnapshot(pool()), snapshot);
  assert.notEqual(before, snapshot);
});

test('an unsubscribed reader who subscribes again starts over with a confirmation email', async () => {
  const reader = await confirmedReader('again@example.org');
  await postForm(running.app, '/unsubscribe', { token: unsubscribeTokenFor(context, reader) });
  await pool().query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '1 hour' WHERE id = $1`, [reader.id]);
  await subscribeByForm(running.app, { email: 'again@example.org' });
  assert.equal((await subscriberByEmail(pool(), 'again@example.org'))?.status, 'pending', 'no digest until confirmed again');
  const mails = await waitForMailTo('again@example.org', 2);
  const confirm = await postForm(running.app, '/confirm', { token: tokenOf(confirmLinkIn(mails[1]!)) });
  assert.equal(confirm.statusCode, 200);
  assert.deepEqual(
    (await events(reader.id)).map((event) => event.status),
    ['pending', 'confirmed', 'unsubscribed', 'pending', 'confirmed'],
  );
});

test('a confirmation link from before an unsubscribe cannot subscribe the reader again', async () => {
  await subscribeByForm(running.app, { email: 'stale@example.org' });
  const [mail] = await waitForMailTo('stale@example.org');
  const reader = (await subscriberByEmail(pool(), 'stale@example.org'))!;
  await postForm(running.app, '/unsubscribe', { token: unsubscribeTokenFor(context, reader) });
  const before = await lifecycleSnapshot(pool());
  const response = await postForm(running.app, '/confirm', { token: tokenOf(confirmLinkIn(mail!)) });
  assert.equal(response.statusCode, 409);
  assert.equal(await lifecycleSnapshot(pool()), before);
});

test('programs get JSON on the same routes, and the OpenAPI document describes them', async () => {
  const subscribe = await subscribeByJson(running.app, { email: 'program@example.org' });
  assert.equal(subscribe.statusCode, 202);
  assert.deepEqual(subscribe.json(), { status: 'pending' });
  const [mail] = await waitForMailTo('program@example.org');
  const token = tokenOf(confirmLinkIn(mail!));
  const json = { 'content-type': 'application/json' };
  const confirm = await running.app.inject({ method: 'POST', url: '/confirm', headers: json, payload: { token } });
  assert.deepEqual(confirm.json(), { status: 'confirmed' });
  const reader = (await subscriberByEmail(pool(), 'program@example.org'))!;
  const unsubscribe = await running.app.inject({
    method: 'POST',
    url: '/unsubscribe',
    headers: json,
    payload: { token: unsubscribeTokenFor(context, reader) },
  });
  assert.deepEqual(unsubscribe.json(), { status: 'unsubscribed' });
  const bad = await subscribeByJson(running.app, { email: 'nope' });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(Object.keys(bad.json()).sort(), ['error', 'message']);
  const badToken = await running.app.inject({ method: 'POST', url: '/confirm', headers: json, payload: { token: 'x' } });
  assert.equal(badToken.statusCode, 400);
  assert.equal(badToken.json().error, 'invalid_token');

  const docs = (await running.app.inject({ url: '/docs/json' })).json();
  for (const path of ['/subscribe', '/confirm', '/unsubscribe', '/resubscribe']) assert.ok(docs.paths[path]?.post, `${path} documented`);
  assert.equal(docs.paths['/subscribe'].post.requestBody.content['application/json'].schema.required[0], 'email');
  assert.ok(docs.paths['/subscribe'].post.responses['202']);
  assert.ok(docs.paths['/subscribe'].post.responses['429']);
});

test('the confirmation worker skips a reader who is no longer pending', async () => {
  const { sendConfirmations } = await import('../src/subscriptions/confirmation-mail.ts');
  const reader = await confirmedReader('skip@example.org');
  const [outcome] = await sendConfirmations(context.services, [{ subscriberId: reader.id, claimedAt: Date.now() }]);
  assert.equal(outcome, 'skipped');
  assert.deepEqual(await sendConfirmations(context.services, [{ subscriberId: 987654, claimedAt: Date.now() }]), ['skipped']);
});

test('when the confirmation cannot be queued, the claim is released so the next try sends', async () => {
  const { Queue } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const { queueConfirmations } = await import('../src/subscriptions/confirmation-queue.ts');
  const { requestSubscriptions } = await import('../src/db/subscribers.ts');
  // A real Redis client pointed at a port where nothing listens: Redis is down.
  const deadRedis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const confirmations = new Queue('confirmations', { connection: deadRedis, prefix: 'dead' });
  confirmations.on('error', () => {});
  try {
    const [claim] = await requestSubscriptions(
      pool(),
      [{ input: 'lost@example.org', email: 'lost@example.org', sourceIpHash: null, reason: 'test' }],
      10,
    );
    assert.ok(claim);
    await queueConfirmations({ ...context.services, queues: { ...context.services.queues, confirmations } as never }, [claim]);
    const { rows } = await pool().query('SELECT confirmation_sent_at FROM subscribers WHERE id = $1', [claim.subscriberId]);
    assert.equal(rows[0].confirmation_sent_at, null);
    await subscribeByForm(running.app, { email: 'lost@example.org' });
    await waitForMailTo('lost@example.org');
  } finally {
    await confirmations.close().catch(() => {});
    deadRedis.disconnect();
  }
});

test('a 550 5.1.1 at RCPT to a confirmation is final: tried once, the address suppressed, and masked in the job record', async () => {
  const address = 'nobody-here@example.org';
  context.smtp.setRecipientPolicy((to) => (to === address ? { code: 550, message: `5.1.1 <${address}>: no such mailbox` } : undefined));
  try {
    await subscribeByForm(running.app, { email: address });
    await settleConfirmations(context);
    const failed = await context.services.queues.confirmations.getFailed();
    const job = failed.find((candidate) => candidate.failedReason?.includes('no such mailbox'));
    assert.ok(job, 'the job failed');
    assert.equal(job.attemptsMade, 1, 'not retried');
    assert.doesNotMatch(job.failedReason, /nobody-here@/);
    assert.equal(messagesTo(address).length, 0);
    const { rows } = await pool().query<{ status: string; listed: boolean }>(
      `SELECT s.status, EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email) AND p.reason = 'hard_bounce') AS listed
         FROM subscribers s WHERE s.email = $1`,
      [address],
    );
    assert.deepEqual(rows, [{ status: 'suppressed', listed: true }], 'a mailbox that does not exist is not mailed again');
    // Asked again past the resend interval, it still answers as ever and sends nothing.
    await pool().query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '1 day' WHERE email = $1`, [address]);
    assert.equal((await subscribeByForm(running.app, { email: address })).statusCode, 202);
    await settleConfirmations(context);
    assert.equal(messagesTo(address).length, 0);
  } finally {
    context.smtp.setRecipientPolicy(undefined);
  }
});

test('a retried confirmations job sends only the emails the SMTP server has not yet accepted', async () => {
  const { sendConfirmations } = await import('../src/subscriptions/confirmation-mail.ts');
  const { requestSubscriptions } = await import('../src/db/subscribers.ts');
  const { UnrecoverableError } = await import('bullmq');
  const addresses = ['retry-1@example.org', 'retry-2@example.org', 'retry-3@example.org'];
  // Claimed as one subscribe batch would claim them, but handed to the worker's code directly: this test is the job.
  const claims = await requestSubscriptions(
    pool(),
    addresses.map((email) => ({ input: email, email, sourceIpHash: null, reason: 'test' })),
    10,
  );
  const job = claims.filter((claim) => claim !== undefined);
  assert.equal(job.length, 3);
  context.smtp.setRecipientPolicy((to) => (to === addresses[1] ? { code: 451, message: '4.3.0 try again later' } : undefined));
  try {
    const first = await sendConfirmations(context.services, job).then(
      () => assert.fail('a 4xx must fail the try'),
      (error: unknown) => error,
    );
    assert.ok(first instanceof Error && !(first instanceof UnrecoverableError), 'a 4xx is retried');
    assert.match(first.message, /1 of 3/);
    assert.deepEqual(
      addresses.map((address) => messagesTo(address).length),
      [1, 0, 1],
    );
  } finally {
    context.smtp.setRecipientPolicy(undefined);
  }
  assert.deepEqual(await sendConfirmations(context.services, job), ['skipped', 'sent', 'skipped'], 'the retry sends only the one left');
  assert.deepEqual(await sendConfirmations(context.services, job), ['skipped', 'skipped', 'skipped'], 'a third try sends nothing');
  assert.deepEqual(
    addresses.map((address) => messagesTo(address).length),
    [1, 1, 1],
    'one email per reader',
  );
});
