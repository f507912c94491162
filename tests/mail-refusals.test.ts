// What a refusal does: only a recipient refused at RCPT because their mailbox is gone is suppressed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyRefusal,
  describeReply,
  enhancedStatusOf,
  isMailboxStatus,
  maskAddresses,
  refusalFromNodemailerError,
  replyFromNodemailerError,
  type RefusalStage,
} from '../src/mail/refusals.ts';

type Expected = 'retry' | 'mailbox' | 'failed';

/** [what it is, stage, the reply as the server sent it, expected kind, expected enhanced code]. */
const realReplies: [string, RefusalStage, string, Expected, string | null][] = [
  [
    'Gmail: no such account',
    'rcpt',
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
    'mailbox',
    '5.1.1',
  ],
  [
    'Gmail: account disabled',
    'rcpt',
    '550-5.2.1 The email account that you tried to reach is disabled. https://support.google.com/mail/?p=DisabledUser',
    'mailbox',
    '5.2.1',
  ],
  [
    'Gmail: over quota',
    'rcpt',
    '452-4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to',
    'retry',
    '4.2.2',
  ],
  [
    'Gmail: DMARC',
    'data',
    "550-5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy. Please contact the administrator of example.org domain",
    'failed',
    '5.7.26',
  ],
  [
    'Gmail: DMARC, refused at RCPT',
    'rcpt',
    '550 5.7.26 This mail has been blocked because the sender is unauthenticated. DMARC',
    'failed',
    '5.7.26',
  ],
  [
    'Gmail: rate limited',
    'rcpt',
    '421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address',
    'retry',
    '4.7.28',
  ],
  [
    'Gmail: message likely spam',
    'data',
    '550-5.7.1 Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam',
    'failed',
    '5.7.1',
  ],
  ['Gmail: message too big', 'data', "552-5.3.4 Your message exceeded Google's message size limits.", 'failed', '5.3.4'],
  [
    'Spamhaus blocklisted client',
    'rcpt',
    '554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.9',
    'failed',
    '5.7.1',
  ],
  ['Mailbox full is not gone', 'rcpt', '552 5.2.2 <alice@example.org>: mailbox full', 'failed', '5.2.2'],
  ['Mailbox full at end of data', 'data', '552 5.2.2 Mailbox full', 'failed', '5.2.2'],
  ['Generic try again', 'rcpt', '421 4.7.0 Try again later, closing connection.', 'retry', '4.7.0'],
  ['Local error, deferred', 'data', '451 4.3.0 Error: queue file write error', 'retry', '4.3.0'],
  [
    'Greylisted',
    'rcpt',
    '450 4.2.0 <bob@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/',
    'retry',
    '4.2.0',
  ],
  [
    'Microsoft 365: recipient not found',
    'rcpt',
    '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    'mailbox',
    '5.1.10',
  ],
  [
    'Outlook.com: mailbox unavailable',
    'rcpt',
    '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).',
    'failed',
    '5.5.0',
  ],
  [
    'Outlook.com: IP on block list',
    'mail',
    "550 5.7.1 Unfortunately, messages from [203.0.113.9] weren't sent. Please contact your Internet service provider",
    'failed',
    '5.7.1',
  ],
  [
    'Bad address syntax is not a gone mailbox',
    'rcpt',
    '553 5.1.3 The recipient address <bob@@example.net> is not a valid RFC-5321 address.',
    'failed',
    '5.1.3',
  ],
  [
    'Yahoo: no such account, at end of data',
    'data',
    "554 delivery error: dd This user doesn't have a yahoo.com account (carol@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com",
    'failed',
    null,
  ],
  [
    'Yahoo: deferred for reputation',
    'rcpt',
    '421 4.7.0 [TSS04] Messages from 203.0.113.9 temporarily deferred due to unexpected volume or user complaints',
    'retry',
    '4.7.0',
  ],
  [
    'Postfix: user unknown',
    'rcpt',
    '550 5.1.1 <dave@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    'mailbox',
    '5.1.1',
  ],
  [
    'Postfix: domain not found',
    'rcpt',
    '550 5.1.2 <erin@nonexistent.example>: Recipient address rejected: Domain not found',
    'mailbox',
    '5.1.2',
  ],
  ['Postfix: relay access denied', 'rcpt', '554 5.7.1 <frank@example.com>: Relay access denied', 'failed', '5.7.1'],
  ['Bare 550 at RCPT means no such user', 'rcpt', '550 No such user here', 'mailbox', null],
  ['Bare 551 at RCPT: user not local', 'rcpt', '551 User not local; please try <grace@example.com>', 'mailbox', null],
  ['Bare 553 at RCPT: mailbox name not allowed', 'rcpt', '553 Requested action not taken: mailbox name not allowed', 'mailbox', null],
  ['Bare 554 at RCPT is not a mailbox reason', 'rcpt', '554 Transaction failed', 'failed', null],
  ['Bare 550 at DATA is about the message', 'data', '550 Message rejected', 'failed', null],
  ['5.1.1 at DATA does not suppress', 'data', '550 5.1.1 User unknown', 'failed', '5.1.1'],
  ['Sender refused at MAIL FROM', 'mail', '553 5.1.8 <bounces@example.org>: Sender address rejected: Domain not found', 'failed', '5.1.8'],
  ['Sender refused at MAIL FROM, bare code', 'mail', '550 Sender rejected', 'failed', null],
  [
    'Greeting refused: our IP is blocked',
    'connect',
    '554 5.7.1 mx.example.net ESMTP not accepting messages from 203.0.113.9',
    'failed',
    '5.7.1',
  ],
  ['Protocol error', 'data', '554 5.5.1 Error: no valid recipients', 'failed', '5.5.1'],
  ['Too many recipients, temporary', 'rcpt', '452 4.5.3 Too many recipients', 'retry', '4.5.3'],
  ['Network: routing loop', 'data', '554 5.4.6 Routing loop detected', 'failed', '5.4.6'],
  ['Comcast style hash before the enhanced code', 'rcpt', '550 #5.1.0 Address rejected', 'failed', '5.1.0'],
  ['Mismatched classes: basic 5xx, enhanced 4.x.x retries', 'rcpt', '550 4.2.1 Mailbox temporarily disabled', 'retry', '4.2.1'],
  ['Mailbox moved', 'rcpt', '550 5.1.6 Recipient addresses moved, no forwarding', 'failed', '5.1.6'],
];

test('real-world refusals: only mailbox reasons at RCPT suppress; 4xx retries; the rest fail without suppressing', () => {
  assert.ok(realReplies.length >= 30);
  for (const [what, stage, response, expectedKind, expectedEnhanced] of realReplies) {
    const code = Number(/^\d{3}/.exec(response)![0]);
    const enhanced = enhancedStatusOf(response);
    assert.equal(enhanced, expectedEnhanced, `${what}: enhanced code`);
    const refusal = classifyRefusal({ stage, code, enhanced, response });
    assert.equal(refusal.kind, expectedKind, `${what}: ${response}`);
    assert.equal(refusal.code, code, what);
    if (refusal.kind === 'mailbox') assert.equal(refusal.reason, 'hard_bounce');
  }
});

test('a refusal that fails the message says what it was about', () => {
  const subjectOf = (response: string, stage: RefusalStage = 'rcpt') => {
    const refusal = classifyRefusal({ stage, code: 550, enhanced: enhancedStatusOf(response), response });
    return refusal.kind === 'failed' ? refusal.subject : refusal.kind;
  };
  assert.equal(subjectOf('550 5.7.26 DMARC'), 'policy');
  assert.equal(subjectOf('550 5.3.4 too big'), 'system');
  assert.equal(subjectOf('550 5.4.6 loop'), 'network');
  assert.equal(subjectOf('550 5.5.0 mailbox unavailable'), 'protocol');
  assert.equal(subjectOf('550 5.6.0 bad content'), 'content');
  assert.equal(subjectOf('550 5.2.2 full'), 'mailbox');
  assert.equal(subjectOf('550 5.1.3 syntax'), 'address');
  assert.equal(subjectOf('550 oops', 'data'), 'other');
});

test('the kept reply is one line, short, and quotes no address in full', () => {
  const refusal = classifyRefusal({
    stage: 'rcpt',
    code: 550,
    enhanced: '5.1.1',
    response: `550-5.1.1 <alice.smith+news@example.org> unknown\n550 5.1.1 ${'x'.repeat(400)}`,
  });
  assert.equal(refusal.detail.includes('\n'), false);
  assert.equal(refusal.detail.length <= 300, true);
  assert.equal(refusal.detail.includes('alice'), false);
  assert.match(refusal.detail, /^550-5\.1\.1 <a\*\*\*@e\*\*\*\.org> unknown 550 5\.1\.1 x+\.\.\.$/);
  assert.equal(maskAddresses('to bob@mail.example.co.uk and x@y.io'), 'to b***@m***.uk and x***@y***.io');
  assert.equal(describeReply('  short \r\n reply '), 'short reply');
  assert.equal(describeReply('x'.repeat(1_000_000)).length, 300);
});

test('enhanced codes are read only where RFC 3463 puts them', () => {
  assert.equal(enhancedStatusOf('550 5.1.1 User unknown'), '5.1.1');
  assert.equal(enhancedStatusOf('5.1.1 User unknown'), '5.1.1', 'a reply passed without its basic code');
  assert.equal(enhancedStatusOf('550 User unknown, see RFC 5.1.1'), null, 'not in the middle of the text');
  assert.equal(enhancedStatusOf('550 5.01.001 leading zeros'), '5.1.1');
  assert.equal(enhancedStatusOf('550 5.1.1.4 not a status code'), null);
  assert.equal(enhancedStatusOf('550 3.1.1 no such class'), null);
  assert.equal(enhancedStatusOf(''), null);
});

test('when the basic and enhanced codes disagree, the temporary one wins', () => {
  assert.equal(classifyRefusal({ stage: 'rcpt', code: 550, enhanced: '4.2.1', response: '550 4.2.1 x' }).kind, 'retry');
  assert.equal(classifyRefusal({ stage: 'rcpt', code: 450, enhanced: '5.1.1', response: '450 5.1.1 x' }).kind, 'retry');
  assert.equal(classifyRefusal({ stage: 'rcpt', code: null, enhanced: '5.1.1', response: '5.1.1 x' }).kind, 'retry');
});

test('Nodemailer errors: the failed command gives the stage, the reply gives both codes', () => {
  const rcpt = {
    code: 'EENVELOPE',
    command: 'RCPT TO',
    responseCode: 550,
    response:
      '550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser',
    message: 'Recipient command failed: 550-5.1.1 …',
  };
  assert.deepEqual(replyFromNodemailerError(rcpt), { stage: 'rcpt', code: 550, enhanced: '5.1.1', response: rcpt.response });
  assert.equal(refusalFromNodemailerError(rcpt).kind, 'mailbox');

  const stages: [string, RefusalStage][] = [
    ['CONN', 'connect'],
    ['EHLO', 'helo'],
    ['HELO', 'helo'],
    ['MAIL FROM', 'mail'],
    ['RCPT TO', 'rcpt'],
    ['DATA', 'data'],
    ['AUTH PLAIN', 'unknown'],
    ['API', 'unknown'],
  ];
  for (const [command, stage] of stages) assert.equal(replyFromNodemailerError({ command }).stage, stage, command);

  assert.equal(
    refusalFromNodemailerError({ code: 'EENVELOPE', command: 'DATA', responseCode: 550, response: '550 5.1.1 unknown' }).kind,
    'failed',
  );
  assert.equal(
    refusalFromNodemailerError({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 5.1.1 x' }).kind,
    'failed',
  );
  assert.equal(
    refusalFromNodemailerError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 4.7.1 later' }).kind,
    'retry',
  );
});

test('no reply, a timeout, or our own login and TLS trouble retry and never suppress', () => {
  const cases: unknown[] = [
    { code: 'ECONNECTION', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' },
    { code: 'ETIMEDOUT', command: 'CONN', message: 'Timeout' },
    { code: 'ESOCKET', command: 'CONN', message: 'read ECONNRESET' },
    { code: 'EDNS', command: 'CONN', message: 'getaddrinfo ENOTFOUND mx.example.org' },
    { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Authentication credentials invalid' },
    { code: 'ETLS', command: 'STARTTLS', responseCode: 554, response: '554 5.7.3 TLS not available' },
    new Error('something odd'),
    'a string was thrown',
    undefined,
    null,
    { responseCode: 'not a number', response: 42 },
  ];
  for (const error of cases) assert.equal(refusalFromNodemailerError(error).kind, 'retry', JSON.stringify(error));
});

test('the edges of a refusal: code ranges, lengths, stages, our own errors and what a non-string carries', () => {
  const at = (code: number | null, enhanced: string | null = null) =>
    classifyRefusal({ stage: 'rcpt', code, enhanced, response: 'x' }).kind;
  assert.equal(at(500), 'failed', '500 is the first permanent code');
  assert.equal(at(499), 'retry');
  assert.equal(at(599), 'failed', '599 is still permanent');
  assert.equal(at(600), 'retry', '600 is not an SMTP code: not final');
  assert.equal(at(null), 'retry', 'no reply is never final');
  assert.equal(at(550, '4.1.1'), 'retry', 'a temporary enhanced code wins over a permanent basic one');
  assert.equal(classifyRefusal({ stage: 'data', code: 550, enhanced: '5.0.0', response: 'x' }).kind, 'failed');
  const subject = (enhanced: string) => {
    const refusal = classifyRefusal({ stage: 'data', code: 550, enhanced, response: 'x' });
    return refusal.kind === 'failed' ? refusal.subject : refusal.kind;
  };
  assert.equal(subject('5.0.0'), 'other');
  assert.equal(subject('5.7.1'), 'policy');
  assert.equal(subject('5.9.1'), 'other', 'a subject RFC 3463 does not define is "other"');

  assert.equal(isMailboxStatus('5.1.1'), true);
  assert.equal(isMailboxStatus(null), false);
  assert.equal(isMailboxStatus(undefined), false);
  assert.equal(isMailboxStatus(['5.1.1'] as unknown as string), false, 'only a string is a status');

  assert.equal(describeReply('y'.repeat(300)), 'y'.repeat(300), 'exactly 300 characters are kept whole');
  assert.equal(describeReply('y'.repeat(301)), `${'y'.repeat(297)}...`);
  assert.equal(enhancedStatusOf('  550 5.1.1 x'), '5.1.1', 'leading spaces');
  assert.equal(enhancedStatusOf('550   5.1.1 x'), '5.1.1', 'several spaces after the basic code');
  assert.equal(enhancedStatusOf('x550 5.1.1 y'), null, 'not at the start of the reply');
  assert.equal(enhancedStatusOf('550 x5.1.1 y'), null, 'not right after the basic code');

  assert.equal(replyFromNodemailerError({ command: 'LHLO' }).stage, 'helo');
  assert.equal(replyFromNodemailerError({ command: 42 }).stage, 'unknown');
  for (const code of ['EAUTH', 'ETLS', 'ECONFIG', 'EREQUIRETLS', 'EOAUTH2']) {
    const refusal = refusalFromNodemailerError({ code, command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 x' });
    assert.equal(refusal.kind, 'retry', `${code} is ours to fix, never the reader's`);
  }
  assert.equal(refusalFromNodemailerError({ code: 42, command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 x' }).kind, 'mailbox');

  // What a reply's fields hold when they are not what Nodemailer usually sets.
  assert.equal(replyFromNodemailerError({ response: '', message: 'Connection closed' }).response, 'Connection closed');
  assert.equal(replyFromNodemailerError({ message: 42 }).response, '[object Object]');
  assert.equal(replyFromNodemailerError('plain string').response, 'plain string');
  assert.equal(replyFromNodemailerError(null).response, 'null');
  for (const responseCode of ['550', 550.5, 199, 600, Number.NaN]) {
    assert.equal(replyFromNodemailerError({ responseCode, response: 'x' }).code, null, String(responseCode));
  }
  assert.equal(replyFromNodemailerError({ responseCode: 200, response: 'x' }).code, 200);
  assert.equal(replyFromNodemailerError({ responseCode: 599, response: 'x' }).code, 599);
  assert.equal(
    replyFromNodemailerError({ message: '550 5.1.1 in a message only' }).enhanced,
    null,
    'codes are read from the reply, not a message',
  );
});
