// Bounce reports and spam complaints that come back to us: read what they say, suppress only gone mailboxes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bounceDecision, parseInboundReport } from '../src/mail/reports.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('a Postfix bounce names the gone recipient, our envelope sender and the original Message-ID', async () => {
  const report = await parseInboundReport(Buffer.from(fixture('dsn-postfix.eml')));
  assert.deepEqual(report, {
    kind: 'dsn',
    recipients: [
      {
        finalRecipient: 'gone@example.net',
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <g***@e***.net>: Recipient address rejected: User unknown in virtual mailbox table',
      },
    ],
    originalMessageId: '<delivery-123@paperboy.example>',
    originalEnvelopeSender: 'bounces+d123.2mqapew424@mail.paperboy.example',
  });
  assert.deepEqual(
    bounceDecision(report).suppress.map((recipient) => recipient.finalRecipient),
    ['gone@example.net'],
  );
});

test('a Gmail bounce, with its nested HTML and the whole original attached, suppresses the address', async () => {
  const report = await parseInboundReport(fixture('dsn-gmail.eml'));
  assert.equal(report.kind, 'dsn');
  if (report.kind !== 'dsn') return;
  assert.equal(report.originalMessageId, '<delivery-124@paperboy.example>');
  assert.equal(report.originalEnvelopeSender, 'bounces+d124.k7w3mhq2zb@mail.paperboy.example');
  assert.equal(report.recipients.length, 1);
  const [recipient] = report.recipients;
  assert.equal(recipient!.finalRecipient, 'nosuchuser@gmail.com');
  assert.match(recipient!.diagnostic!, /^550-5\.1\.1 The email account that you tried to reach does not exist/);
  assert.ok(recipient!.diagnostic!.length <= 300);
  assert.equal(bounceDecision(report).suppress.length, 1);
});

test('a delay notice is a DSN that asks for nothing: no suppression, no failure', async () => {
  const report = await parseInboundReport(fixture('dsn-delayed.eml'));
  assert.equal(report.kind, 'dsn');
  const decision = bounceDecision(report);
  assert.deepEqual(decision.suppress, []);
  assert.deepEqual(decision.failed, []);
  assert.deepEqual(
    decision.delayed.map((recipient) => [recipient.finalRecipient, recipient.status]),
    [['slow@example.org', '4.4.1']],
  );
});

test('a Yahoo ARF complaint names the reader, the Message-ID and our envelope sender', async () => {
  const report = await parseInboundReport(fixture('arf-yahoo.eml'));
  assert.deepEqual(report, {
    kind: 'complaint',
    feedbackType: 'abuse',
    originalRecipient: 'reader@yahoo.com',
    originalMessageId: '<delivery-126@paperboy.example>',
    originalMailFrom: 'bounces+d126.z9x8c7v6b5@mail.paperboy.example',
  });
  assert.deepEqual(bounceDecision(report), { suppress: [], failed: [], delayed: [] }, 'complaints are not bounces');
});

test('an AOL-style complaint without Original-Rcpt-To or Original-Mail-From reads them from the inline original', async () => {
  const aol = fixture('arf-yahoo.eml')
    .replace(/^Original-Rcpt-To: .*\n/m, '')
    .replace(/^Original-Mail-From: .*\n/m, '')
    .replace('Feedback-Type: abuse', 'Feedback-Type: some-future-type')
    .replace('To: reader@yahoo.com', 'To: "A Reader" <reader@aol.com>')
    .replace(/\n/g, '\r\n');
  assert.deepEqual(await parseInboundReport(aol), {
    kind: 'complaint',
    feedbackType: 'other',
    originalRecipient: 'reader@aol.com',
    originalMessageId: '<delivery-126@paperboy.example>',
    originalMailFrom: 'bounces+d126.z9x8c7v6b5@mail.paperboy.example',
  });
});

test('headers of the original sent in base64 are still read', async () => {
  const postfix = fixture('dsn-postfix.eml');
  const start = postfix.indexOf('Return-Path: <bounces+d123');
  const end = postfix.lastIndexOf('\n--4Xk2Lz0mQbz9sWn');
  const encoded = Buffer.from(postfix.slice(start, end)).toString('base64').replace(/.{76}/g, '$&\n');
  const report = await parseInboundReport(
    postfix.slice(0, start).replace(/Content-Transfer-Encoding: 8bit\n\n$/, 'Content-Transfer-Encoding: base64\n\n') +
      encoded +
      postfix.slice(end),
  );
  assert.equal(report.kind === 'dsn' && report.originalMessageId, '<delivery-123@paperboy.example>');
});

test('a complaint about a mail sent to several people names no single recipient', async () => {
  const several = fixture('arf-yahoo.eml')
    .replace(/^Original-Rcpt-To: .*\n/m, '')
    .replace('To: reader@yahoo.com', 'To: reader@yahoo.com, other@yahoo.com');
  const report = await parseInboundReport(several);
  assert.equal(report.kind, 'complaint');
  assert.equal('originalRecipient' in report, false);
});

test('one DSN for several recipients sorts them: gone mailboxes suppressed, other failures kept, delays waited on', async () => {
  const groups = [
    ['gone@example.net', 'failed', '5.1.1', 'smtp; 550 5.1.1 user unknown'],
    ['disabled@example.net', 'failed', '5.2.1', 'smtp; 550 5.2.1 account disabled'],
    ['full@example.net', 'failed', '5.2.2', 'smtp; 552 5.2.2 mailbox full'],
    ['blocked@example.net', 'failed', '5.7.1 (delivery not authorized)', 'smtp; 554 5.7.1 blocked using Spamhaus'],
    ['gaveup@example.net', 'failed', '4.4.7', 'X-Postfix; delivery temporarily suspended'],
    ['slow@example.net', 'delayed', '4.4.1', 'X-Postfix; connection timed out'],
    ['fine@example.net', 'delivered', '2.0.0', 'smtp; 250 ok'],
    ['forwarded@elsewhere.example', 'failed', '5.1.1', 'smtp; 550 5.1.1 no such user', 'reader@example.net'],
  ];
  const status = groups
    .map(
      ([recipient, action, code, diagnostic, original]) =>
        `${original ? `Original-Recipient: rfc822;${original}\n` : ''}Final-Recipient: rfc822; ${recipient}\nAction: ${action}\nStatus: ${code}\nDiagnostic-Code: ${diagnostic}\n`,
    )
    .join('\n');
  const raw =
    'From: MAILER-DAEMON@example.net\nTo: bounces@paperboy.example\nSubject: Undelivered\nMIME-Version: 1.0\n' +
    'Content-Type: multipart/report; report-type="delivery-status"; boundary="b"\n\n' +
    `--b\nContent-Type: text/plain\n\nSorry.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n\n${status}\n--b--\n`;
  const report = await parseInboundReport(raw);
  const decision = bounceDecision(report);
  const addresses = (list: { finalRecipient: string }[]) => list.map((recipient) => recipient.finalRecipient);
  assert.deepEqual(addresses(decision.suppress), ['gone@example.net', 'disabled@example.net', 'forwarded@elsewhere.example']);
  assert.deepEqual(addresses(decision.failed), ['full@example.net', 'blocked@example.net', 'gaveup@example.net']);
  assert.deepEqual(addresses(decision.delayed), ['slow@example.net']);
  assert.equal(decision.suppress[2]!.originalRecipient, 'reader@example.net', 'the address we sent to, before forwarding');
  assert.equal(decision.failed[1]!.status, '5.7.1');
  assert.equal(report.kind === 'dsn' && report.recipients.length, 8, 'the delivered one is reported too, and left alone');
});

test('recipients without an address, a known action or a status code are dropped, not guessed', async () => {
  const raw =
    'Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\n' +
    'Reporting-MTA: dns; example.net\n\nAction: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; a@example.net\nAction: exploded\nStatus: 5.1.1\n\n' +
    'Final-Recipient: rfc822; b@example.net\nAction: failed\nStatus: user unknown\n\nFinal-Recipient: rfc822; c@example.net\nAction: Failed\nStatus: 5.1.1\n--x--\n';
  const report = await parseInboundReport(raw);
  assert.deepEqual(report, {
    kind: 'dsn',
    recipients: [{ finalRecipient: 'c@example.net', action: 'failed', status: '5.1.1', diagnostic: null }],
  });
});

test('a DSN cut off before its status part reports no one; one cut inside it reports what arrived', async () => {
  const postfix = fixture('dsn-postfix.eml');
  const beforeStatus = await parseInboundReport(postfix.slice(0, postfix.indexOf('Content-Description: Delivery report')));
  assert.equal(beforeStatus.kind, 'dsn');
  assert.deepEqual(bounceDecision(beforeStatus).suppress, []);
  const insideStatus = await parseInboundReport(postfix.slice(0, postfix.indexOf('Remote-MTA: dns; mx.example.net')));
  assert.equal(insideStatus.kind, 'dsn');
  assert.deepEqual(
    bounceDecision(insideStatus).suppress.map((recipient) => recipient.finalRecipient),
    ['gone@example.net'],
  );
});

test('garbage, ordinary mail and other report types are "other", and nothing throws', async () => {
  const inputs: (string | Buffer)[] = [
    '',
    'garbage',
    Buffer.from([0, 255, 1, 254, 13, 10, 13, 10, 0]),
    'From: a@b.example\nSubject: hi\n\nJust a reply to your digest, thanks!\n',
    'Content-Type: multipart/report; report-type=disposition-notification; boundary=z\n\n--z\nContent-Type: message/disposition-notification\n\nDisposition: manual-action/MDN-sent-manually; displayed\n--z--\n',
    'Content-Type: multipart/report; report-type=feedback-report; boundary=z\n\n--z\nContent-Type: text/plain\n\nno report part\n--z--\n',
    'Content-Type: multipart/report; report-type=delivery-status\n\nno boundary at all',
    'Content-Type: multipart/report; boundary=z\n\n--z\nContent-Type: message/delivery-status\n\nAction: failed\n--z--\n',
    `Content-Type: text/plain\nX-Long: ${'a'.repeat(200_000)}\n\nbody`,
    '\n\n\n--\n--\n',
  ];
  for (const input of inputs) {
    const report = await parseInboundReport(input);
    assert.notEqual(report.kind, 'complaint', String(input).slice(0, 60));
    if (report.kind === 'dsn') assert.deepEqual(report.recipients, [], String(input).slice(0, 60));
    else assert.deepEqual(report, { kind: 'other' }, String(input).slice(0, 60));
  }
  assert.deepEqual(await parseInboundReport('garbage'), { kind: 'other' });
  assert.deepEqual(await parseInboundReport(inputs[3]!), { kind: 'other' });
  assert.deepEqual(await parseInboundReport(inputs[5]!), { kind: 'other' });
});
