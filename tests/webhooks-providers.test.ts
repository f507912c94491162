// Provider webhooks through the real app: for SES (SNS), Postmark, Mailgun and SendGrid a correctly signed
// permanent bounce suppresses the reader, a badly signed one is 401 and changes nothing, a replay changes
// nothing. Each route exists only when its secret is set. Fixtures are signed with keys this test makes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { snsStringToSign } from '../src/mail/webhooks/ses.ts';
import { insertSubscribers } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:paperboy-ses';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
const POSTMARK = { user: 'postmark', password: 'correct horse battery staple' };
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let directory: string;
let snsKey = '';
let snsCertificate = '';
let context: TestContext;
let app: FastifyInstance;
const fetched: string[] = [];

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'paperboy-webhooks-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=sns',
      '-days',
      '1',
      '-keyout',
      join(directory, 'k.pem'),
      '-out',
      join(directory, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  snsKey = readFileSync(join(directory, 'k.pem'), 'utf8');
  snsCertificate = readFileSync(join(directory, 'c.pem'), 'utf8');
  context = await createTestContext('webhooks-providers', {
    ...SUBSCRIPTION_TEST_ENV,
    SES_SNS_TOPIC_ARNS: TOPIC,
    POSTMARK_WEBHOOK_USER: POSTMARK.user,
    POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
    MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  });
  app = await buildApp(context.services, {
    webhookFetch: async (url) => {
      fetched.push(url);
      return url === CERT_URL ? snsCertificate : 'confirmed';
    },
  });
});
after(async () => {
  await app?.close();
  await context?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function state(email: string): Promise<{ status: string; reason: string | null; events: number }> {
  const { rows } = await context.database.pool.query<{ status: string; reason: string | null; events: number }>(
    `SELECT s.status, x.reason, (SELECT count(*)::int FROM subscriber_events e WHERE e.subscriber_id = s.id) AS events
       FROM subscribers s LEFT JOIN suppressions x ON x.email = lower(s.email) WHERE s.email = $1`,
    [email],
  );
  return rows[0]!;
}

function snsMessage(fields: Record<string, string>, key = snsKey): string {
  const message: Record<string, string> = {
    MessageId: `msg-${Math.random().toString(36).slice(2)}`,
    TopicArn: TOPIC,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: CERT_URL,
    ...fields,
  };
  message.Signature = createSign('RSA-SHA256').update(snsStringToSign(message)!).sign(key, 'base64');
  return JSON.stringify(message);
}

const sesBounce = (email: string) =>
  snsMessage({
    Type: 'Notification',
    Message: JSON.stringify({
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: email, status: '5.1.1' }],
        feedbackId: `fb-${email}`,
      },
      mail: { messageId: 'm-1', destination: [email] },
    }),
  });

const postmarkBounce = (email: string) =>
  `{"RecordType":"Bounce","ID":4323372036854775807,"Type":"HardBounce","TypeCode":1,"Details":"smtp;550 5.1.1 no such user","Email":"${email}","BouncedAt":"2026-11-24T06:02:33Z"}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function mailgunBody(email: string, key = MAILGUN_KEY): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';
  const signature = createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
  return JSON.stringify({
    signature: { timestamp, token, signature },
    'event-data': {
      event: 'failed',
      id: 'G9Bn5sl1TC6nu79C8C0bwg',
      severity: 'permanent',
      reason: 'bounce',
      recipient: email,
      'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist' },
    },
  });
}

function sendgridRequest(email: string, privateKey = sendgrid.privateKey) {
  const body = JSON.stringify([
    {
      email,
      timestamp: 1764050580,
      event: 'bounce',
      type: 'bounce',
      status: '5.1.1',
      reason: '550 5.1.1 no such user',
      sg_event_id: 'ZW1haWwtYm91bmNl',
    },
  ]);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    },
  };
}

const post = (url: string, payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.inject({ method: 'POST', url, payload, headers });

test('SES via SNS: the subscription is confirmed; a signed bounce suppresses, a forged one is 401, a replay changes nothing', async () => {
  const email = 'ses-gone@example.net';
  await insertSubscribers(context.database.pool, [{ email, status: 'confirmed' }]);
  const subscribeUrl = 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc';
  const confirmation = await post(
    '/webhooks/ses',
    snsMessage({ Type: 'SubscriptionConfirmation', Message: 'confirm', SubscribeURL: subscribeUrl, Token: 'abc' }),
    { 'content-type': 'text/plain; charset=UTF-8' },
  );
  assert.equal(confirmation.statusCode, 200, confirmation.body);
  assert.ok(fetched.includes(subscribeUrl), 'the SubscribeURL was visited');

  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const forged = await post('/webhooks/ses', snsMessage(JSON.parse(sesBounce(email)) as Record<string, string>, stranger), {
    'content-type': 'text/plain',
  });
  assert.equal(forged.statusCode, 401);
  assert.deepEqual(await state(email), { status: 'confirmed', reason: null, events: 0 });

  const genuine = sesBounce(email);
  assert.equal((await post('/webhooks/ses', genuine, { 'content-type': 'text/plain' })).statusCode, 200);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
  const replay = await post('/webhooks/ses', genuine, { 'content-type': 'text/plain' });
  assert.equal(replay.statusCode, 200);
  assert.equal(JSON.parse(replay.body).replayed, 1);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
});

test('Postmark: right basic auth suppresses, wrong is 401, a replay changes nothing', async () => {
  const email = 'postmark-gone@example.net';
  await insertSubscribers(context.database.pool, [{ email, status: 'confirmed' }]);
  const wrong = await post('/webhooks/postmark', postmarkBounce(email), {
    'content-type': 'application/json',
    authorization: basic(POSTMARK.user, 'guess'),
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal((await post('/webhooks/postmark', postmarkBounce(email))).statusCode, 401, 'no credentials');
  assert.deepEqual(await state(email), { status: 'confirmed', reason: null, events: 0 });
  const headers = { 'content-type': 'application/json', authorization: basic(POSTMARK.user, POSTMARK.password) };
  assert.equal((await post('/webhooks/postmark', postmarkBounce(email), headers)).statusCode, 200);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
  assert.equal(JSON.parse((await post('/webhooks/postmark', postmarkBounce(email), headers)).body).replayed, 1);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
});

test('Mailgun: a body signed with the signing key suppresses, another key is 401, a replay changes nothing', async () => {
  const email = 'mailgun-gone@example.net';
  await insertSubscribers(context.database.pool, [{ email, status: 'confirmed' }]);
  assert.equal((await post('/webhooks/mailgun', mailgunBody(email, 'key-not-ours-000000000000000'))).statusCode, 401);
  assert.deepEqual(await state(email), { status: 'confirmed', reason: null, events: 0 });
  const body = mailgunBody(email);
  assert.equal((await post('/webhooks/mailgun', body)).statusCode, 200);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
  assert.equal(JSON.parse((await post('/webhooks/mailgun', body)).body).replayed, 1);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
});

test('SendGrid: a signed event webhook suppresses, a body signed by another key is 401, a replay changes nothing', async () => {
  const email = 'sendgrid-gone@example.net';
  await insertSubscribers(context.database.pool, [{ email, status: 'confirmed' }]);
  const forged = sendgridRequest(email, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  assert.equal((await post('/webhooks/sendgrid', forged.body, forged.headers)).statusCode, 401);
  const tampered = sendgridRequest(email);
  assert.equal((await post('/webhooks/sendgrid', tampered.body.replace('5.1.1', '5.1.2'), tampered.headers)).statusCode, 401);
  assert.deepEqual(await state(email), { status: 'confirmed', reason: null, events: 0 });
  const genuine = sendgridRequest(email);
  assert.equal((await post('/webhooks/sendgrid', genuine.body, genuine.headers)).statusCode, 200);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
  assert.equal(JSON.parse((await post('/webhooks/sendgrid', genuine.body, genuine.headers)).body).replayed, 1);
  assert.deepEqual(await state(email), { status: 'suppressed', reason: 'hard_bounce', events: 1 });
});

test('a webhook whose secret is not set does not exist', async () => {
  const bare = await createTestContext('webhooks-off', SUBSCRIPTION_TEST_ENV);
  const plain = await buildApp(bare.services);
  try {
    for (const provider of ['ses', 'postmark', 'mailgun', 'sendgrid']) {
      assert.equal((await plain.inject({ method: 'POST', url: `/webhooks/${provider}`, payload: '{}' })).statusCode, 404, provider);
    }
  } finally {
    await plain.close();
    await bare.close();
  }
});
