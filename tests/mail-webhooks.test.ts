// Provider webhooks: only a correctly signed request counts, and only a gone mailbox is a permanent bounce.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyMailgunWebhook } from '../src/mail/webhooks/mailgun.ts';
import { verifyPostmarkWebhook } from '../src/mail/webhooks/postmark.ts';
import { sendgridPublicKey, verifySendgridWebhook } from '../src/mail/webhooks/sendgrid.ts';
import { isSnsUrl, snsStringToSign, verifySesNotification, type SesCheck } from '../src/mail/webhooks/ses.ts';

// ---- Amazon SES via SNS ------------------------------------------------------------------------------------

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:paperboy-ses';
const certificateUrl = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
let directory: string;
/** A key and self-signed certificate of our own, standing in for SNS's (Node cannot make certificates). */
const signer = { key: '', certificate: '' };
const stranger = { key: '', certificate: '' };

function makeCertificate(name: string): { key: string; certificate: string } {
  const keyFile = join(directory, `${name}.key.pem`);
  const certificateFile = join(directory, `${name}.cert.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-days', '1', '-keyout', keyFile, '-out', certificateFile],
    {
      stdio: 'ignore',
    },
  );
  return { key: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certificateFile, 'utf8') };
}

before(() => {
  directory = mkdtempSync(join(tmpdir(), 'paperboy-sns-'));
  Object.assign(signer, makeCertificate('sns'));
  Object.assign(stranger, makeCertificate('stranger'));
});
after(() => rmSync(directory, { recursive: true, force: true }));

function snsMessage(fields: Record<string, string>, options: { version?: '1' | '2'; key?: string } = {}): Record<string, string> {
  const version = options.version ?? '1';
  const message: Record<string, string> = {
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: topicArn,
    Timestamp: '2026-11-24T06:02:33.655Z',
    SignatureVersion: version,
    SigningCertURL: certificateUrl,
    ...fields,
  };
  const text = snsStringToSign(message)!;
  message.Signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(text)
    .sign(options.key ?? signer.key, 'base64');
  return message;
}

function sesNotification(notification: object, options: { version?: '1' | '2'; key?: string } = {}) {
  return snsMessage({ Type: 'Notification', Message: JSON.stringify(notification) }, options);
}

const fetched: string[] = [];
async function fetchCertificate(url: string): Promise<string> {
  fetched.push(url);
  return signer.certificate;
}
const verifySes = (body: object | string) =>
  verifySesNotification(typeof body === 'string' ? body : JSON.stringify(body), { topicArns: [topicArn], fetchCertificate });

function sesBounce(bounceType: string, bounceSubType: string, recipients: object[]) {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType,
      bouncedRecipients: recipients,
      feedbackId: '0100017a-feedback-0001',
      timestamp: '2026-11-24T06:02:33.000Z',
    },
    mail: { messageId: '0100017a-mail-0001', source: 'bounces+d124.k7w3mhq2zb@mail.paperboy.example', destination: ['gone@example.net'] },
  };
}

function eventsOf(check: SesCheck) {
  assert.equal(check.ok, true, check.ok ? '' : check.reason);
  assert.ok(check.ok && check.type === 'notification');
  return check.events;
}

test('openssl is here to make the test certificates', () => {
  assert.match(signer.certificate, /BEGIN CERTIFICATE/);
});

test('SES: a signed subscription confirmation gives the SubscribeURL to visit', async () => {
  const subscribeUrl = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=2336412f37fb687f5d51e6e241d09c805a5a57b`;
  const message = snsMessage({
    Type: 'SubscriptionConfirmation',
    Token: '2336412f37fb687f5d51e6e241d09c805a5a57b',
    Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: subscribeUrl,
  });
  assert.deepEqual(await verifySes(message), { ok: true, type: 'subscription-confirmation', subscribeUrl, topicArn });
  assert.equal(fetched.at(-1), certificateUrl);
});

test('SES: a permanent bounce for a gone mailbox suppresses, with SignatureVersion 1 and 2', async () => {
  for (const version of ['1', '2'] as const) {
    for (const subType of ['General', 'NoEmail', 'Suppressed', 'OnAccountSuppressionList']) {
      const check = await verifySes(
        sesNotification(
          sesBounce('Permanent', subType, [
            {
              emailAddress: 'gone@example.net',
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 <gone@example.net> user unknown',
            },
          ]),
          { version },
        ),
      );
      assert.deepEqual(eventsOf(check), [
        {
          provider: 'ses',
          eventId: '0100017a-feedback-0001#0',
          email: 'gone@example.net',
          kind: 'bounce',
          permanent: true,
          detail: `Permanent/${subType} smtp; 550 5.1.1 <g***@e***.net> user unknown`,
        },
      ]);
    }
  }
});

test('SES: transient and undetermined bounces, and permanent ones for policy, do not suppress', async () => {
  const cases: [string, string, object][] = [
    ['Transient', 'MailboxFull', { emailAddress: 'full@example.net', status: '5.2.2' }],
    ['Transient', 'General', { emailAddress: 'later@example.net', status: '4.4.7' }],
    ['Undetermined', 'Undetermined', { emailAddress: 'who@example.net' }],
    [
      'Permanent',
      'General',
      { emailAddress: 'blocked@example.net', status: '5.7.1', diagnosticCode: 'smtp; 554 5.7.1 blocked using Spamhaus' },
    ],
  ];
  for (const [bounceType, subType, recipient] of cases) {
    const [event] = eventsOf(await verifySes(sesNotification(sesBounce(bounceType, subType, [recipient]))));
    assert.equal(event!.kind, 'bounce');
    assert.equal(event!.permanent, false, `${bounceType}/${subType}`);
  }
});

test('SES: one bounce for two recipients is two events; a complaint is a complaint; a delivery is ignored', async () => {
  const two = eventsOf(
    await verifySes(
      sesNotification(sesBounce('Permanent', 'General', [{ emailAddress: 'a@example.net' }, { emailAddress: 'b@example.net' }])),
    ),
  );
  assert.deepEqual(
    two.map((event) => [event.eventId, event.email, event.permanent]),
    [
      ['0100017a-feedback-0001#0', 'a@example.net', true],
      ['0100017a-feedback-0001#1', 'b@example.net', true],
    ],
  );
  const complaint = eventsOf(
    await verifySes(
      sesNotification({
        notificationType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'reader@yahoo.com' }], complaintFeedbackType: 'abuse', feedbackId: 'fb-2' },
      }),
    ),
  );
  assert.deepEqual(complaint, [
    { provider: 'ses', eventId: 'fb-2#0', email: 'reader@yahoo.com', kind: 'complaint', permanent: false, detail: 'abuse' },
  ]);
  const delivery = eventsOf(await verifySes(sesNotification({ notificationType: 'Delivery', delivery: {} })));
  assert.deepEqual(
    delivery.map((event) => event.kind),
    ['ignore'],
  );
});

test('SES: the string to sign is the one the SNS documentation shows', () => {
  const notification = {
    Type: 'Notification',
    MessageId: '4d4dc071-ddbf-465d-bba8-08f81c89da64',
    TopicArn: 'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P',
    Subject: 'My subject',
    Message: 'My Test Message',
    Timestamp: '2019-01-31T04:37:04.321Z',
    SignatureVersion: '1',
    UnsubscribeURL: 'https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe',
  };
  assert.equal(
    snsStringToSign(notification),
    'Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\nTimestamp\n2019-01-31T04:37:04.321Z\n' +
      'TopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n',
  );
  const { Subject: _subject, ...withoutSubject } = notification;
  assert.doesNotMatch(snsStringToSign(withoutSubject)!, /Subject/);
  const confirmation = {
    Type: 'SubscriptionConfirmation',
    MessageId: '3d891288-136d-417f-bc05-901c108273ee',
    Token: '233',
    TopicArn: 'arn:aws:sns:us-east-2:123456789012:t',
    Message: 'My Test Message',
    SubscribeURL: 'https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=233',
    Timestamp: '2019-01-31T19:25:13.719Z',
  };
  assert.equal(
    snsStringToSign(confirmation),
    'Message\nMy Test Message\nMessageId\n3d891288-136d-417f-bc05-901c108273ee\nSubscribeURL\nhttps://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=233\n' +
      'Timestamp\n2019-01-31T19:25:13.719Z\nToken\n233\nTopicArn\narn:aws:sns:us-east-2:123456789012:t\nType\nSubscriptionConfirmation\n',
  );
  assert.equal(snsStringToSign({ ...confirmation, Token: undefined }), null, 'a confirmation without its Token is not signed');
});

test('SES: a notification with a Subject is signed with it', async () => {
  const message = snsMessage({
    Type: 'Notification',
    Subject: 'Amazon SES Email Event Notification',
    Message: JSON.stringify(sesBounce('Permanent', 'NoEmail', [{ emailAddress: 'x@example.net' }])),
  });
  assert.equal(eventsOf(await verifySes(message))[0]!.permanent, true);
  assert.deepEqual(await verifySes({ ...message, Subject: 'Changed' }), { ok: false, reason: 'signature does not match' });
});

test('SES: a tampered, re-signed or foreign message is refused with a reason', async () => {
  const genuine = sesNotification(sesBounce('Permanent', 'General', [{ emailAddress: 'gone@example.net' }]));
  const tampered = { ...genuine, Message: genuine.Message!.replace('gone@example.net', 'someone-else@example.net') };
  assert.deepEqual(await verifySes(tampered), { ok: false, reason: 'signature does not match' });
  const strangers = sesNotification(sesBounce('Permanent', 'General', [{ emailAddress: 'gone@example.net' }]), { key: stranger.key });
  assert.deepEqual(await verifySes(strangers), { ok: false, reason: 'signature does not match' });
  assert.deepEqual(await verifySes({ ...genuine, SignatureVersion: '3' }), {
    ok: false,
    reason: 'unknown SignatureVersion or no Signature',
  });
  assert.deepEqual(await verifySes({ ...genuine, Signature: 'bm90IGEgc2lnbmF0dXJl' }), { ok: false, reason: 'signature does not match' });

  const otherTopic = snsMessage({
    Type: 'Notification',
    TopicArn: 'arn:aws:sns:eu-west-1:999999999999:attacker',
    Message: genuine.Message!,
  });
  const before = fetched.length;
  assert.deepEqual(await verifySes(otherTopic), { ok: false, reason: 'TopicArn is not one we subscribed to' });
  assert.equal(fetched.length, before, 'no certificate fetched for a topic that is not ours');

  const failingFetch = await verifySesNotification(JSON.stringify(genuine), {
    topicArns: [topicArn],
    fetchCertificate: () => Promise.reject(new Error('ECONNREFUSED')),
  });
  assert.deepEqual(failingFetch, { ok: false, reason: 'could not fetch the signing certificate' });
  const notACertificate = await verifySesNotification(JSON.stringify(genuine), {
    topicArns: [topicArn],
    fetchCertificate: async () => 'garbage',
  });
  assert.deepEqual(notACertificate, { ok: false, reason: 'signature does not match' });
});

test('SES: a certificate anywhere but https://sns.<region>.amazonaws.com is never fetched', async () => {
  const badUrls = [
    'http://sns.eu-west-1.amazonaws.com/cert.pem',
    'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem',
    'https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem',
    'https://sns.eu-west-1.amazonaws.com:8443/cert.pem',
    'https://user@sns.eu-west-1.amazonaws.com/cert.pem',
    'https://sns.amazonaws.com/cert.pem',
    'https://s3.eu-west-1.amazonaws.com/cert.pem',
    'https://sns.eu-west-1.amazonaws.com/cert.txt',
    'not a url',
  ];
  const before = fetched.length;
  for (const url of badUrls) {
    const message = snsMessage({ Type: 'Notification', Message: '{}', SigningCertURL: url });
    const check = await verifySes(message);
    assert.equal(check.ok, false, url);
    assert.match(check.ok ? '' : check.reason, /SigningCertURL/);
  }
  assert.equal(fetched.length, before);
  assert.equal(isSnsUrl('https://sns.us-gov-west-1.amazonaws.com/x.pem', '.pem'), true);
  assert.equal(isSnsUrl('https://sns.ap-southeast-2.amazonaws.com/x.pem', '.pem'), true);
});

test('SES: a signed confirmation whose SubscribeURL points elsewhere is refused (we would GET it)', async () => {
  const message = snsMessage({
    Type: 'SubscriptionConfirmation',
    Token: 't',
    Message: 'm',
    SubscribeURL: 'https://169.254.169.254/latest/meta-data/',
  });
  assert.deepEqual(await verifySes(message), { ok: false, reason: 'SubscribeURL is not on sns.<region>.amazonaws.com' });
});

test('SES: garbage never throws', async () => {
  for (const body of [
    '',
    'null',
    '[]',
    '{',
    '{"Type":"Notification"}',
    JSON.stringify({ Type: 'Other', MessageId: 'x', TopicArn: topicArn }),
  ]) {
    const check = await verifySes(body);
    assert.equal(check.ok, false, body);
  }
  const signedGarbage = snsMessage({ Type: 'Notification', Message: 'not json' });
  assert.deepEqual(await verifySes(signedGarbage), { ok: false, reason: 'Message is not a JSON SES notification' });
});

// ---- Postmark ----------------------------------------------------------------------------------------------

const postmarkCredentials = { username: 'postmark', password: 'correct horse battery staple' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const postmarkBounce = (type: string, id = '4323372036854775807') =>
  `{"RecordType":"Bounce","ID":${id},"Type":"${type}","TypeCode":1,"Name":"Hard bounce","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).","Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist.","Email":"gone@example.net","From":"digest@paperboy.example","BouncedAt":"2026-11-24T06:02:33Z","Inactive":true,"MessageStream":"outbound"}`;

test('Postmark: a hard bounce with the right credentials is permanent, and its int64 ID keeps every digit', () => {
  const check = verifyPostmarkWebhook(postmarkBounce('HardBounce'), basic('postmark', 'correct horse battery staple'), postmarkCredentials);
  assert.deepEqual(check, {
    ok: true,
    events: [
      {
        provider: 'postmark',
        eventId: '4323372036854775807',
        email: 'gone@example.net',
        kind: 'bounce',
        permanent: true,
        detail:
          'HardBounce The server was unable to deliver your message (ex: unknown user, mailbox not found). smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      },
    ],
  });
});

test('Postmark: soft bounces and other types are not permanent; spam complaints are complaints; deliveries are ignored', () => {
  const auth = basic('postmark', 'correct horse battery staple');
  const eventOf = (body: string) => {
    const check = verifyPostmarkWebhook(body, auth, postmarkCredentials);
    assert.ok(check.ok, check.ok ? '' : check.reason);
    return check.events[0]!;
  };
  for (const type of ['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'AutoResponder']) {
    assert.deepEqual([eventOf(postmarkBounce(type)).kind, eventOf(postmarkBounce(type)).permanent], ['bounce', false], type);
  }
  assert.equal(eventOf(postmarkBounce('BadEmailAddress', '42')).permanent, true);
  assert.equal(eventOf(postmarkBounce('HardBounce', '42')).eventId, '42');
  const complaint = eventOf(
    '{"RecordType":"SpamComplaint","ID":43,"Type":"SpamComplaint","TypeCode":512,"Email":"reader@yahoo.com","MessageID":"m-1","BouncedAt":"2026-11-24T06:02:33Z"}',
  );
  assert.deepEqual([complaint.kind, complaint.email, complaint.eventId], ['complaint', 'reader@yahoo.com', '43']);
  assert.equal(eventOf('{"RecordType":"Delivery","MessageID":"m-2","Recipient":"fine@example.net"}').kind, 'ignore');
});

test('Postmark: wrong, missing or malformed credentials are refused', () => {
  const body = postmarkBounce('HardBounce');
  for (const authorization of [
    basic('postmark', 'wrong'),
    basic('someone', 'correct horse battery staple'),
    basic('postmark', 'correct horse battery stapl'),
    `Bearer ${Buffer.from('postmark:correct horse battery staple').toString('base64')}`,
    'Basic !!!',
    undefined,
    '',
  ]) {
    assert.deepEqual(verifyPostmarkWebhook(body, authorization, postmarkCredentials), {
      ok: false,
      reason: 'wrong or missing basic auth credentials',
    });
  }
  const auth = basic('postmark', 'correct horse battery staple');
  assert.deepEqual(verifyPostmarkWebhook('not json', auth, postmarkCredentials), { ok: false, reason: 'body is not a JSON object' });
  assert.deepEqual(verifyPostmarkWebhook('{"RecordType":"Bounce"}', auth, postmarkCredentials), {
    ok: false,
    reason: 'no RecordType or ID',
  });
});

// ---- Mailgun -----------------------------------------------------------------------------------------------

const mailgunKey = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const now = Date.UTC(2026, 10, 24, 6, 3, 0);

function mailgunBody(eventData: object, options: { timestamp?: number; key?: string } = {}): string {
  const timestamp = String(options.timestamp ?? Math.floor(now / 1000));
  const token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';
  const signature = createHmac('sha256', options.key ?? mailgunKey)
    .update(timestamp + token)
    .digest('hex');
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData });
}

const mailgunFailure = (severity: string, reason: string, message: string) => ({
  event: 'failed',
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: 1764050580.1,
  severity,
  reason,
  recipient: 'gone@example.net',
  'delivery-status': { code: 550, message, description: '' },
});

test('Mailgun: a signed permanent failure suppresses; a temporary one or a policy block does not', () => {
  const permanent = verifyMailgunWebhook(
    mailgunBody(mailgunFailure('permanent', 'bounce', '5.1.1 The email account that you tried to reach does not exist')),
    mailgunKey,
    now,
  );
  assert.deepEqual(permanent, {
    ok: true,
    events: [
      {
        provider: 'mailgun',
        eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
        email: 'gone@example.net',
        kind: 'bounce',
        permanent: true,
        detail: '550 5.1.1 The email account that you tried to reach does not exist',
      },
    ],
  });
  const cases: [string, string, string][] = [
    ['temporary', 'generic', '4.2.2 mailbox full'],
    ['permanent', 'espblock', 'blocked by the receiving provider'],
    ['permanent', 'bounce', '5.7.1 Service unavailable; client host blocked using Spamhaus'],
  ];
  for (const [severity, reason, message] of cases) {
    const check = verifyMailgunWebhook(mailgunBody(mailgunFailure(severity, reason, message)), mailgunKey, now);
    assert.ok(check.ok);
    assert.deepEqual([check.events[0]!.kind, check.events[0]!.permanent], ['bounce', false], message);
  }
});

test('Mailgun: complaints are complaints, other events are ignored', () => {
  const complained = verifyMailgunWebhook(mailgunBody({ event: 'complained', id: 'c-1', recipient: 'reader@yahoo.com' }), mailgunKey, now);
  assert.ok(complained.ok);
  assert.deepEqual(
    [complained.events[0]!.kind, complained.events[0]!.email, complained.events[0]!.eventId],
    ['complaint', 'reader@yahoo.com', 'c-1'],
  );
  const delivered = verifyMailgunWebhook(mailgunBody({ event: 'delivered', id: 'd-1', recipient: 'fine@example.net' }), mailgunKey, now);
  assert.ok(delivered.ok);
  assert.equal(delivered.events[0]!.kind, 'ignore');
});

test('Mailgun: a bad signature, another key, or a timestamp over 5 minutes old (or ahead) is refused', () => {
  const event = mailgunFailure('permanent', 'bounce', '5.1.1 unknown');
  assert.deepEqual(verifyMailgunWebhook(mailgunBody(event, { key: 'another-key' }), mailgunKey, now), {
    ok: false,
    reason: 'signature does not match',
  });
  const body = JSON.parse(mailgunBody(event));
  body.signature.signature = body.signature.signature.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a'));
  assert.deepEqual(verifyMailgunWebhook(JSON.stringify(body), mailgunKey, now), { ok: false, reason: 'signature does not match' });
  const old = { ok: false, reason: 'timestamp more than 5 minutes from now' };
  assert.deepEqual(verifyMailgunWebhook(mailgunBody(event, { timestamp: now / 1000 - 301 }), mailgunKey, now), old);
  assert.deepEqual(verifyMailgunWebhook(mailgunBody(event, { timestamp: now / 1000 + 301 }), mailgunKey, now), old);
  assert.equal(verifyMailgunWebhook(mailgunBody(event, { timestamp: now / 1000 - 299 }), mailgunKey, now).ok, true);
  for (const garbage of ['', 'null', '{"signature":{}}', '{"signature":{"timestamp":"1","token":"t","signature":"zz"}}', '[1]']) {
    assert.equal(verifyMailgunWebhook(garbage, mailgunKey, now).ok, false, garbage);
  }
});

// ---- SendGrid ----------------------------------------------------------------------------------------------

const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const sendgridKey: KeyObject = sendgridPublicKey(sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'));

function signSendgrid(body: string, timestamp = '1764050580', privateKey: KeyObject = sendgridKeys.privateKey) {
  return { signature: sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64'), timestamp };
}

const sendgridEvents = JSON.stringify([
  {
    email: 'gone@example.net',
    timestamp: 1764050580,
    event: 'bounce',
    type: 'bounce',
    status: '5.1.1',
    reason: '550 5.1.1 The email account that you tried to reach does not exist',
    sg_event_id: 'ZW1haWwtYm91bmNl',
  },
  {
    email: 'blocked@example.net',
    timestamp: 1764050580,
    event: 'bounce',
    type: 'blocked',
    status: '5.0.0',
    reason: '554 blocked using Spamhaus',
    sg_event_id: 'ZW1haWwtYmxvY2tlZA',
  },
  {
    email: 'policy@example.net',
    timestamp: 1764050580,
    event: 'bounce',
    type: 'bounce',
    status: '5.7.26',
    reason: '550 5.7.26 DMARC',
    sg_event_id: 'cG9saWN5',
  },
  { email: 'reader@yahoo.com', timestamp: 1764050580, event: 'spamreport', sg_event_id: 'c3BhbXJlcG9ydA' },
  { email: 'fine@example.net', timestamp: 1764050580, event: 'delivered', response: '250 OK', sg_event_id: 'ZGVsaXZlcmVk' },
  { email: 'no-id@example.net', event: 'bounce', type: 'bounce' },
]);

test('SendGrid: a signed batch maps bounces, blocks and spam reports; blocks and policy bounces do not suppress', () => {
  const check = verifySendgridWebhook(sendgridEvents, signSendgrid(sendgridEvents), sendgridKey);
  assert.ok(check.ok, check.ok ? '' : check.reason);
  assert.deepEqual(
    check.events.map((event) => [event.eventId, event.email, event.kind, event.permanent]),
    [
      ['ZW1haWwtYm91bmNl', 'gone@example.net', 'bounce', true],
      ['ZW1haWwtYmxvY2tlZA', 'blocked@example.net', 'bounce', false],
      ['cG9saWN5', 'policy@example.net', 'bounce', false],
      ['c3BhbXJlcG9ydA', 'reader@yahoo.com', 'complaint', false],
      ['ZGVsaXZlcmVk', 'fine@example.net', 'ignore', false],
    ],
  );
  assert.equal(check.events[0]!.detail, '5.1.1 550 5.1.1 The email account that you tried to reach does not exist');
});

test('SendGrid: a changed body, a changed timestamp, another key or a missing header is refused', () => {
  const headers = signSendgrid(sendgridEvents);
  const refused = { ok: false, reason: 'signature does not match' };
  assert.deepEqual(verifySendgridWebhook(sendgridEvents.replace('gone@', 'else@'), headers, sendgridKey), refused);
  assert.deepEqual(verifySendgridWebhook(sendgridEvents, { ...headers, timestamp: '1764050581' }, sendgridKey), refused);
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  assert.deepEqual(verifySendgridWebhook(sendgridEvents, signSendgrid(sendgridEvents, undefined, other.privateKey), sendgridKey), refused);
  assert.deepEqual(verifySendgridWebhook(sendgridEvents, { ...headers, signature: 'AAAA' }, sendgridKey), refused);
  for (const bad of [
    { ...headers, signature: undefined },
    { ...headers, timestamp: undefined },
    { ...headers, timestamp: 'soon' },
    { ...headers, signature: 'not base64!' },
  ]) {
    assert.deepEqual(verifySendgridWebhook(sendgridEvents, bad, sendgridKey), {
      ok: false,
      reason: 'missing or malformed signature headers',
    });
  }
  const object = '{"event":"bounce"}';
  assert.deepEqual(verifySendgridWebhook(object, signSendgrid(object), sendgridKey), {
    ok: false,
    reason: 'body is not an array of events',
  });
  assert.deepEqual(verifySendgridWebhook('[', signSendgrid('['), sendgridKey), { ok: false, reason: 'body is not JSON' });
});

test('SendGrid: the key is read from base64 DER or PEM, and only a P-256 key is accepted', () => {
  const pem = sendgridKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const fromPem = sendgridPublicKey(pem);
  assert.equal(verifySendgridWebhook(sendgridEvents, signSendgrid(sendgridEvents), fromPem).ok, true);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  assert.throws(() => sendgridPublicKey(rsa), /P-256/);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  assert.throws(() => sendgridPublicKey(p384), /P-256/);
  assert.throws(() => sendgridPublicKey('garbage'));
});
