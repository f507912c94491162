// Paperboy uses Nodemailer's private modules (the SMTP connection, the QP encoder, the MIME helpers, the address
// parser) to send prebuilt messages at half the CPU of its public transport (BENCHMARKS.md). Private modules can
// change in any release: the version is pinned exactly in package.json, and this file fails loudly, naming the
// module, the day an upgrade changes what we rely on.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { encodeWords, foldLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs/index.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp/index.js';
import { startSmtpServer } from './support/smtp.ts';

const require = createRequire(import.meta.url);
const pinned = (require('../package.json') as { dependencies: Record<string, string> }).dependencies.nodemailer;
const installed = (require('nodemailer/package.json') as { version: string }).version;

test('nodemailer is pinned to one exact version, and that version is the one installed', () => {
  assert.match(pinned!, /^\d+\.\d+\.\d+$/, 'package.json must pin nodemailer exactly: its private modules are used');
  assert.equal(installed, pinned, 'the installed nodemailer is not the pinned one: re-run the benchmarks and this file before upgrading');
});

test('the private helpers paperboy builds messages with still behave as it expects', () => {
  assert.deepEqual(addressparser('Paperboy <digest@example.org>', { flatten: true }), [
    { name: 'Paperboy', address: 'digest@example.org' },
  ]);
  assert.equal(qpEncode('a=b é'), 'a=3Db =C3=A9');
  assert.ok(
    qpWrap('x'.repeat(200), 76)
      .split('\r\n')
      .every((line) => line.length <= 76),
    'qp wrap keeps lines at 76',
  );
  assert.equal(isPlainText('Paperboy'), true);
  assert.equal(quoteString('A "B"'), '"A \\"B\\""');
  assert.match(encodeWords('Über', 'Q', 52), /^=\?UTF-8\?Q\?.*\?=$/);
  assert.ok(
    !foldLines(`Subject: ${'word '.repeat(40)}`, 76)
      .split('\r\n')
      .some((line) => line.length > 78),
  );
});

test('SMTPConnection still connects, sends a raw message and reports the answer, as the SMTP pool uses it', async () => {
  const smtp = await startSmtpServer();
  const connection = new SMTPConnection({ host: '127.0.0.1', port: smtp.port, secure: false });
  try {
    for (const method of ['connect', 'login', 'send', 'quit', 'close'] as const) {
      assert.equal(typeof connection[method], 'function', `SMTPConnection#${method} is gone`);
    }
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect(() => resolve());
    });
    const raw = 'From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n';
    const info = await new Promise<{ response: string }>((resolve, reject) =>
      connection.send({ from: 'a@example.org', to: ['b@example.org'] }, raw, (error, result) => (error ? reject(error) : resolve(result))),
    );
    assert.match(info.response, /^250/);
    const [received] = await smtp.waitForMessages(1);
    assert.equal(received!.parsed.subject, 'hi');
  } finally {
    connection.close();
    await smtp.close();
  }
});
