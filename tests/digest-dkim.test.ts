// DKIM on the send path: each digest is signed as it is built (the edition's body hashed once, the reader's
// URL and headers per message), verifies with an independent verifier (mailauth), and is not signed again by
// the SMTP pool; the key comes from the environment as PEM text or a file, checked at start-up.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { ConfigError } from '../src/config/env.ts';
import { createDigestMessageFactory, type DigestRecipient, type DigestTemplate } from '../src/mail/digest-message.ts';
import { createDkimSigner, type DkimCanonicalization } from '../src/mail/dkim.ts';
import { dkimWarnings, loadDkimSigner } from '../src/mail/dkim-key.ts';
import { createSmtpMailer } from '../src/mail/mailer.ts';
import { openServices } from '../src/runtime/services.ts';
import { insertPapers, insertSubscribers, sendEdition, upcomingDate } from './support/digest.ts';
import { createTestContext, testEnv } from './support/services.ts';
import { startSmtpServer } from './support/smtp.ts';

const DOMAIN = 'paperboy.test';
const SELECTOR = 'mail2026';
const PLACEHOLDER = '%%UNSUBSCRIBE%%';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyDir = mkdtempSync(join(tmpdir(), 'paperboy-dkim-'));
const KEY_FILE = join(keyDir, 'dkim.pem');
writeFileSync(KEY_FILE, PEM, { mode: 0o600 });
after(() => rmSync(keyDir, { recursive: true, force: true }));

async function verify(message: string, publicKey: KeyObject = rsa.publicKey): Promise<{ result: string; comment: string }[]> {
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[record]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const { results } = await dkimVerify(message, { resolver });
  return results.map((entry: { status: { result: string; comment?: string } }) => ({
    result: entry.status.result,
    comment: entry.status.comment ?? '',
  }));
}

/** The h= tag of the (first) DKIM-Signature, as lower-case names in order. */
function signedHeaderList(message: string): string[] {
  const field = /^DKIM-Signature:(.*?)\r\n(?![ \t])/ms.exec(message)![1]!.replace(/\r\n[ \t]/g, '');
  return /\bh=([^;]*)/.exec(field)![1]!.replace(/\s+/g, '').toLowerCase().split(':');
}

const signatureCount = (message: string) => message.match(/^DKIM-Signature:/gim)?.length ?? 0;
const withoutSignature = (message: string) => message.replace(/^DKIM-Signature:.*?\r\n(?![ \t])/s, '');

const SENDER = { from: 'Paperboy <digest@paperboy.test>' };
const DATE = new Date('2026-11-28T07:00:00Z');
const EDITIONS: Record<string, DigestTemplate> = {
  'the URL in both parts, several times': {
    editionDate: '2026-11-28',
    subject: 'Trending papers — 28 November: café-scale models',
    textTemplate: `Today's papers\n\n${'1. A paper title   with  spaces \n   https://arxiv.org/abs/2611.1\n\n'.repeat(30)}--\nUnsubscribe: ${PLACEHOLDER}\n`,
    htmlTemplate: `<html><body>\n${'<p style="margin: 4px 0;">An   abstract — ≈40% fewer FLOPs</p>\n'.repeat(40)}<a href="${PLACEHOLDER}">Unsubscribe</a> · <a href="${PLACEHOLDER}">one click</a>\n</body></html>\n`,
  },
  'the URL first in the text, absent from the HTML, trailing blank lines': {
    editionDate: '2026-11-29',
    subject: 'Trending papers — 29 November',
    textTemplate: `${PLACEHOLDER} unsubscribes you.\n\nPapers follow.\n\n\n`,
    htmlTemplate: '<html><body><p>No link here.</p></body></html>\n\n\n',
  },
};
const READERS: DigestRecipient[] = [
  { email: 'a@example.org', messageId: '<edition-2026-11-28.s1@paperboy.test>', unsubscribeUrl: 'https://paperboy.test/u?t=x' },
  {
    email: 'reader.with.a.long.address@subdomain.example.org',
    messageId: '<edition-2026-11-28.s22@paperboy.test>',
    unsubscribeUrl: `https://paperboy.test/unsubscribe?token=${'k'.repeat(170)}&lang=en`,
  },
  {
    email: 'b@example.org',
    messageId: '<edition-2026-11-28.s333@paperboy.test>',
    unsubscribeUrl: 'https://paperboy.test/unsubscribe?token=abc=&x="1"',
  },
];
const MODES: [DkimCanonicalization, DkimCanonicalization][] = [
  ['relaxed', 'relaxed'],
  ['simple', 'simple'],
];

for (const [what, edition] of Object.entries(EDITIONS)) {
  for (const [header, body] of MODES) {
    test(`signed digests verify (${header}/${body}, ${what}) for readers whose links differ in length, and are the unsigned digest plus one signature`, async () => {
      const signer = createDkimSigner({
        domainName: DOMAIN,
        keySelector: SELECTOR,
        privateKey: rsa.privateKey,
        headerCanonicalization: header,
        bodyCanonicalization: body,
      });
      const signed = createDigestMessageFactory(edition, SENDER, PLACEHOLDER, signer);
      const unsigned = createDigestMessageFactory(edition, SENDER, PLACEHOLDER);
      assert.equal(signed.dkimSigned, true);
      assert.equal(unsigned.dkimSigned, false);
      for (const reader of READERS) {
        const message = signed.build(reader, DATE);
        assert.equal(signatureCount(message), 1);
        assert.equal(withoutSignature(message), unsigned.build(reader, DATE), 'the same bytes as the unsigned digest');
        // The general signer, which hashes the whole body, makes the same signature.
        assert.equal(message, signer.sign(unsigned.build(reader, DATE), { time: DATE }));
        assert.deepEqual(await verify(message), [{ result: 'pass', comment: '' }], reader.email);
      }
      // A reader's link swapped for another's breaks the signature: the pieces are covered.
      const [first, second] = [signed.build(READERS[0]!, DATE), signed.build(READERS[1]!, DATE)];
      const bodyStart = (message: string) => message.indexOf('\r\n\r\n') + 4;
      const forged = first.slice(0, bodyStart(first)) + second.slice(bodyStart(second));
      assert.notEqual((await verify(forged))[0]!.result, 'pass');
    });
  }
}

test('a digest signed from a key FILE, sent by the workers, verifies and covers From, Subject and the List-* headers, signed once', async () => {
  const context = await createTestContext('digest-dkim', { DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: KEY_FILE });
  try {
    const { pool } = context.database;
    const date = upcomingDate(1);
    await insertPapers(pool, [{ title: 'Signed paper', upvotes: 50 }, { title: 'Another signed paper' }]);
    await insertSubscribers(pool, [
      { email: 'ada@example.org', status: 'confirmed' },
      { email: 'a.much.longer.reader.address@example.net', status: 'confirmed' },
    ]);
    assert.deepEqual(await sendEdition(context.services, date), { sent: 2 });
    assert.equal(context.smtp.messages.length, 2);
    for (const received of context.smtp.messages) {
      const raw = received.raw.toString('utf8');
      assert.equal(signatureCount(raw), 1, 'signed once: the pool does not sign a signed digest again');
      assert.deepEqual(await verify(raw), [{ result: 'pass', comment: '' }]);
      const names = signedHeaderList(raw);
      for (const name of ['from', 'subject', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post']) {
        const present = raw.split('\r\n\r\n')[0]!.match(new RegExp(`^${name}:`, 'gim'))?.length ?? 0;
        assert.equal(present, 1, `${name} is in the message`);
        assert.equal(names.filter((entry) => entry === name).length, 2, `${name} signed and over-signed`);
      }
      for (const name of ['to', 'date', 'message-id', 'content-type', 'mime-version']) assert.ok(names.includes(name), name);
    }
  } finally {
    await context.close();
  }
});

test('the SMTP mailer signs what is not signed yet (a confirmation), and a message it cannot sign is not sent', async () => {
  const smtp = await startSmtpServer();
  const signer = loadDkimSigner({ DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: PEM })!;
  const mailer = createSmtpMailer({ SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: 1, SMTP_RATE_LIMIT: 0 }, signer);
  try {
    const confirmation = 'From: Paperboy <digest@paperboy.test>\r\nTo: <c@example.org>\r\nSubject: Confirm\r\n\r\nClick the link.\r\n';
    await mailer.send({ from: 'digest@paperboy.test', to: 'c@example.org', raw: Buffer.from(confirmation) });
    const [received] = await smtp.waitForMessages(1);
    assert.equal(signatureCount(received!.raw.toString('utf8')), 1);
    assert.deepEqual(await verify(received!.raw.toString('utf8')), [{ result: 'pass', comment: '' }]);

    // No From: the signer refuses, and the message must not leave unsigned.
    await assert.rejects(
      mailer.send({ from: 'digest@paperboy.test', to: 'c@example.org', raw: 'To: <c@example.org>\r\nSubject: x\r\n\r\nbody\r\n' }),
      /DKIM/,
    );
    assert.equal(smtp.messages.length, 1);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('DKIM_PRIVATE_KEY takes PEM text (also with \\n escapes) or a path; anything else stops start-up naming the variable', async () => {
  const env = { DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR };
  for (const privateKey of [PEM, PEM.replace(/\n/g, '\\n'), KEY_FILE]) {
    const signer = loadDkimSigner({ ...env, DKIM_PRIVATE_KEY: privateKey });
    assert.equal(signer?.algorithm, 'rsa-sha256');
  }
  assert.equal(loadDkimSigner({}), undefined);
  for (const [privateKey, pattern] of [
    [join(keyDir, 'missing.pem'), /DKIM_PRIVATE_KEY.*ENOENT/],
    ['-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n', /DKIM_PRIVATE_KEY/],
    [rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), /DKIM_PRIVATE_KEY/],
  ] as const) {
    assert.throws(
      () => loadDkimSigner({ ...env, DKIM_PRIVATE_KEY: privateKey }),
      (error: Error) => error instanceof ConfigError && pattern.test(error.message) && !error.message.includes('\n'),
    );
  }
  assert.throws(() => loadDkimSigner({ ...env, DKIM_DOMAIN: 'not a domain', DKIM_PRIVATE_KEY: PEM }), /DKIM_DOMAIN/);
  // At start-up, before anything connects.
  await assert.rejects(
    openServices(testEnv({ ...env, DKIM_PRIVATE_KEY: join(keyDir, 'missing.pem'), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' })),
    (error: Error) => error instanceof ConfigError && /DKIM_PRIVATE_KEY/.test(error.message),
  );
});

test('start-up warns when DKIM_DOMAIN is not aligned with MAIL_FROM, and when production sends unsigned', () => {
  const from = 'Paperboy <digest@news.paperboy.test>';
  assert.deepEqual(dkimWarnings({ NODE_ENV: 'production', MAIL_FROM: from, DKIM_DOMAIN: 'paperboy.test' }), []);
  assert.deepEqual(dkimWarnings({ NODE_ENV: 'production', MAIL_FROM: from, DKIM_DOMAIN: 'news.paperboy.test' }), []);
  const [misaligned, ...rest] = dkimWarnings({ NODE_ENV: 'development', MAIL_FROM: from, DKIM_DOMAIN: 'mailer.example' });
  assert.match(misaligned ?? '', /DKIM_DOMAIN mailer\.example is not aligned with MAIL_FROM's domain news\.paperboy\.test/);
  assert.deepEqual(rest, []);
  assert.deepEqual(dkimWarnings({ NODE_ENV: 'development', MAIL_FROM: from, DKIM_DOMAIN: 'xpaperboy.test' }).length, 1);
  assert.match(dkimWarnings({ NODE_ENV: 'production', MAIL_FROM: from, DKIM_DOMAIN: undefined })[0] ?? '', /DKIM is not configured/);
  assert.deepEqual(dkimWarnings({ NODE_ENV: 'development', MAIL_FROM: from, DKIM_DOMAIN: undefined }), []);
});
