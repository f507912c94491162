// Optional DKIM: with DKIM_* configured, every prebuilt digest leaves signed, and the signature verifies
// (mailauth, an independent verifier) with the public key a DNS record served from memory publishes.
import assert from 'node:assert/strict';
import { exampleReaderLinks } from './support/digest.ts';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { createDigestMessageFactory } from '../src/mail/digest-message.ts';
import { createSmtpMailer } from '../src/mail/mailer.ts';
import { startSmtpServer } from './support/smtp.ts';

/** What mailauth makes of the message's one DKIM signature, with `publicKey` published for mail2026._domainkey.paperboy.test. */
async function dkimResult(message: string, publicKey: KeyObject): Promise<string> {
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === 'mail2026._domainkey.paperboy.test') return [[record]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const { results } = await dkimVerify(message, { resolver });
  assert.equal(results.length, 1, 'one signature');
  return (results[0]!.status as { result: string }).result;
}

test('with DKIM configured, a digest is signed over its From, To, Subject and Message-ID, arrives intact and verifies', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const smtp = await startSmtpServer();
  const mailer = createSmtpMailer({
    SMTP_URL: smtp.url,
    SMTP_MAX_CONNECTIONS: 1,
    SMTP_RATE_LIMIT: 0,
    DKIM_DOMAIN: 'paperboy.test',
    DKIM_SELECTOR: 'mail2026',
    DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  try {
    const edition = await renderEdition({ PUBLIC_URL: 'https://paperboy.test' }, '2026-11-28', [
      {
        rank: 1,
        id: 1,
        externalId: '2611.1',
        title: 'Signed paper',
        abstract: 'An abstract.',
        authors: ['Ada Lovelace'],
        url: 'https://arxiv.org/abs/2611.1',
        codeUrl: null,
        projectUrl: null,
        githubStars: null,
        upvotes: 3,
        score: 1,
      },
    ]);
    const factory = createDigestMessageFactory(
      { editionDate: '2026-11-28', ...edition },
      { from: 'Paperboy <digest@paperboy.test>' },
      UNSUBSCRIBE_PLACEHOLDER,
    );
    const raw = factory.build({
      slot: exampleReaderLinks,
      email: 'reader@example.org',
      messageId: '<edition-2026-11-28.s1@paperboy.test>',
      unsubscribeUrl: 'https://paperboy.test/unsubscribe?token=t',
    });
    await mailer.send({ from: factory.envelopeFrom, to: 'reader@example.org', raw });
    const [received] = await smtp.waitForMessages(1);
    // Unfolded header block, then the DKIM-Signature field alone.
    const head = received!.raw
      .toString('latin1')
      .split('\r\n\r\n')[0]!
      .replace(/\r\n[ \t]+/g, ' ');
    const signature = /^DKIM-Signature: (.*)$/m.exec(head)?.[1] ?? '';
    assert.match(signature, /d=paperboy\.test/);
    assert.match(signature, /s=mail2026/);
    for (const field of ['from', 'to', 'subject', 'message-id']) assert.match(signature, new RegExp(`h=[^;]*\\b${field}\\b`, 'i'), field);
    // The signature verifies with the published key as received; the same message with another subject does not.
    const wire = received!.raw.toString('latin1');
    assert.equal(await dkimResult(wire, publicKey), 'pass', 'the signature verifies with the public key');
    const tampered = wire.replace(/^Subject: .*$/m, 'Subject: Changed on the way');
    assert.notEqual(tampered, wire);
    assert.notEqual(await dkimResult(tampered, publicKey), 'pass', 'a changed signed header fails');
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    assert.notEqual(await dkimResult(wire, otherKey), 'pass', 'and another key does not verify it');
    assert.equal(received!.parsed.messageId, '<edition-2026-11-28.s1@paperboy.test>');
    assert.ok(received!.parsed.text?.includes('Signed paper'));
  } finally {
    await mailer.close();
    await smtp.close();
  }
});
