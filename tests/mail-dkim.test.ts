// DKIM: every signed digest verifies with an independent verifier (mailauth) against a DNS record served
// from memory, a changed body or header does not, and the per-edition fast path signs the same bytes as
// the general signer.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp/index.js';
import { createDkimSigner, type DkimCanonicalization, type DkimSigner } from '../src/mail/dkim.ts';
import { createDigestMessageFactory, type DigestRecipient, type DigestTemplate } from '../src/mail/digest-message.ts';

const DOMAIN = 'paperboy.test';
const SELECTOR = 'mail2026';
const PLACEHOLDER = '%%UNSUBSCRIBE%%';
const CRLF = '\r\n';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed25519 = generateKeyPairSync('ed25519');

/** The TXT record a domain would publish: RSA as SPKI, Ed25519 as the raw 32-byte key (RFC 8463). */
function dnsRecord(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return publicKey.asymmetricKeyType === 'ed25519'
    ? `v=DKIM1; k=ed25519; p=${spki.subarray(spki.length - 32).toString('base64')}`
    : `v=DKIM1; k=rsa; p=${spki.toString('base64')}`;
}

const KEYS = [
  { name: 'RSA-2048', privateKey: rsa.privateKey, publicKey: rsa.publicKey, algorithm: 'rsa-sha256' },
  { name: 'Ed25519', privateKey: ed25519.privateKey, publicKey: ed25519.publicKey, algorithm: 'ed25519-sha256' },
] as const;
const MODES: [DkimCanonicalization, DkimCanonicalization][] = [
  ['relaxed', 'relaxed'],
  ['simple', 'simple'],
  ['relaxed', 'simple'],
];

async function verify(message: string, publicKey: KeyObject): Promise<{ result: string; comment: string }> {
  const record = dnsRecord(publicKey);
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[record]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const { results } = await dkimVerify(message, { resolver });
  assert.equal(results.length, 1, 'one signature');
  const status = results[0]!.status as { result: string; comment?: string };
  return { result: status.result, comment: status.comment ?? '' };
}

async function assertVerifies(message: string, publicKey: KeyObject): Promise<void> {
  assert.deepEqual(await verify(message, publicKey), { result: 'pass', comment: '' });
}

async function assertFails(message: string, publicKey: KeyObject): Promise<void> {
  assert.notEqual((await verify(message, publicKey)).result, 'pass');
}

/** The DKIM-Signature field's tags, unfolded. */
function signatureTags(message: string): Map<string, string> {
  const field = /^DKIM-Signature:(.*?)\r\n(?![ \t])/s.exec(message)![1]!.replace(/\r\n[ \t]/g, '');
  return new Map(
    field.split(';').map((tag) => [tag.slice(0, tag.indexOf('=')).trim(), tag.slice(tag.indexOf('=') + 1).replace(/\s+/g, '')]),
  );
}

function signer(key: (typeof KEYS)[number], [header, body]: [DkimCanonicalization, DkimCanonicalization]): DkimSigner {
  return createDkimSigner({
    domainName: DOMAIN,
    keySelector: SELECTOR,
    privateKey: key.privateKey,
    headerCanonicalization: header,
    bodyCanonicalization: body,
  });
}

// A digest edition as src/digest renders it: a text and an HTML template with the reader's URL in each.
function paperBlock(rank: number): { text: string; html: string } {
  const title = `Paper ${rank}: Sparse attention — revisited for café-scale models`;
  const abstract = 'We study   how attention scales. '.repeat(12) + 'Résumé: ≈40% fewer FLOPs.';
  return {
    text: `${rank}. ${title}\n   ${abstract}\n   https://arxiv.org/abs/2611.${rank}\n\n`,
    html: `<tr><td style="padding: 12px 0; font-family: Georgia, serif;">\n  <a href="https://arxiv.org/abs/2611.${rank}" style="color:#1a4d8f;">${title}</a>\n  <p style="margin: 4px 0;">${abstract}</p>\n</td></tr>\n`,
  };
}

const blocks = Array.from({ length: 20 }, (_, index) => paperBlock(index + 1));
const EDITION: DigestTemplate = {
  editionDate: '2026-11-28',
  subject: 'Trending papers — 28 November: sparse attention, café-scale models and more',
  textTemplate: `Today's trending papers\n\n${blocks.map((block) => block.text).join('')}--\nUnsubscribe: ${PLACEHOLDER}\n`,
  htmlTemplate:
    `<!doctype html>\n<html><body>\n<table>\n${blocks.map((block) => block.html).join('')}</table>\n` +
    `<p><a href="${PLACEHOLDER}">Unsubscribe</a> · <a href="${PLACEHOLDER}">one click</a></p>\n</body></html>\n`,
};
const SENDER = { from: 'Paperboy <digest@paperboy.test>' };
const factory = createDigestMessageFactory(EDITION, SENDER, PLACEHOLDER);

const READERS: DigestRecipient[] = [
  { email: 'a@example.org', messageId: '<edition-2026-11-28.s1@paperboy.test>', unsubscribeUrl: 'https://paperboy.test/u?t=x' },
  {
    email: 'reader.with.a.long.address@subdomain.example.org',
    messageId: '<edition-2026-11-28.s22@paperboy.test>',
    unsubscribeUrl: `https://paperboy.test/unsubscribe?token=${'k'.repeat(140)}&lang=en`,
  },
  {
    email: 'b@example.org',
    messageId: '<edition-2026-11-28.s333@paperboy.test>',
    unsubscribeUrl: 'https://paperboy.test/unsubscribe?token=abc=&x=1',
  },
];
const DATE = new Date('2026-11-28T07:00:00Z');

// The decomposition digest-message.ts has in hand: its QP-encoded literal pieces around each URL.
const encode = (value: string) => qpWrap(qpEncode(value), 75) + '=' + CRLF;
const encodeSegments = (template: string) =>
  template
    .replace(/\r?\n/g, CRLF)
    .split(PLACEHOLDER)
    .map((piece) => (piece ? encode(piece) : ''));
const boundary = `----=_paperboy_${createHash('sha256').update(EDITION.editionDate).update(EDITION.subject).digest('hex').slice(0, 24)}`;
const textSegments = encodeSegments(EDITION.textTemplate);
const htmlSegments = encodeSegments(EDITION.htmlTemplate);
const part = (type: string) =>
  `--${boundary}${CRLF}Content-Type: text/${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
const SHARED = [
  part('plain') + textSegments[0]!,
  ...textSegments.slice(1, -1),
  textSegments.at(-1)! + CRLF + part('html') + htmlSegments[0]!,
  ...htmlSegments.slice(1, -1),
  htmlSegments.at(-1)! + `${CRLF}--${boundary}--${CRLF}`,
];
const attribute = (url: string) => url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
function readerPieces(url: string): string[] {
  return [
    ...Array<string>(textSegments.length - 1).fill(encode(url)),
    ...Array<string>(htmlSegments.length - 1).fill(encode(attribute(url))),
  ];
}
function readerHeaders(message: string): string {
  return message.slice(0, message.indexOf(CRLF + CRLF) + 4);
}

test('the shared segments and pieces put together are exactly the digest digest-message.ts builds', () => {
  for (const reader of READERS) {
    const message = factory.build(reader, DATE);
    const pieces = readerPieces(reader.unsubscribeUrl);
    const body = SHARED.reduce((out, segment, index) => out + (index > 0 ? pieces[index - 1]! : '') + segment, '');
    assert.equal(readerHeaders(message) + body, message);
  }
});

for (const key of KEYS) {
  for (const mode of MODES) {
    test(`${key.name} ${mode.join('/')}: every reader's digest passes an independent verifier, fast path and general alike`, async () => {
      const dkim = signer(key, mode);
      assert.equal(dkim.algorithm, key.algorithm);
      const prepared = dkim.prepareBody(SHARED);
      assert.equal(prepared.pieceCount, 3);
      for (const reader of READERS) {
        const message = factory.build(reader, DATE);
        const viaSign = dkim.sign(message);
        const viaFastPath = dkim.signPrepared(readerHeaders(message), prepared, readerPieces(reader.unsubscribeUrl));
        assert.ok(viaSign.endsWith(message));
        assert.ok(viaFastPath.endsWith(message));
        await assertVerifies(viaSign, key.publicKey);
        await assertVerifies(viaFastPath, key.publicKey);
      }
    });

    test(`${key.name} ${mode.join('/')}: the fast path gives byte-identical output to sign for the same message and time`, () => {
      const dkim = signer(key, mode);
      const prepared = dkim.prepareBody(SHARED);
      for (const reader of READERS) {
        const message = factory.build(reader, DATE);
        const time = new Date(DATE.getTime() + 1234);
        assert.equal(
          dkim.signPrepared(readerHeaders(message), prepared, readerPieces(reader.unsubscribeUrl), { time }),
          dkim.sign(message, { time }),
        );
      }
    });

    test(`${key.name} ${mode.join('/')}: a changed body, a changed header or an added over-signed header fails verification`, async () => {
      const dkim = signer(key, mode);
      const signed = dkim.signPrepared(
        readerHeaders(factory.build(READERS[0]!, DATE)),
        dkim.prepareBody(SHARED),
        readerPieces(READERS[0]!.unsubscribeUrl),
      );
      await assertVerifies(signed, key.publicKey);
      await assertFails(signed.replace('Paper 7:', 'Paper 8:'), key.publicKey);
      await assertFails(signed.replace('Subject: ', 'Subject: Re: '), key.publicKey);
      await assertFails(signed.replace('https://paperboy.test/u?t=x', 'https://evil.test/u?t=x'), key.publicKey);
      await assertFails(signed.replace('MIME-Version: 1.0', 'List-Unsubscribe: <https://evil.test/>\r\nMIME-Version: 1.0'), key.publicKey);
      await assertFails(signed.replace('MIME-Version: 1.0', 'From: someone@evil.test\r\nMIME-Version: 1.0'), key.publicKey);
    });
  }
}

test('h= signs the list headers, over-signs From, Subject and both List-Unsubscribe fields, and t= is the signing time', () => {
  const dkim = signer(KEYS[0], ['relaxed', 'relaxed']);
  const signed = dkim.sign(factory.build(READERS[1]!, DATE), { time: DATE });
  const tags = signatureTags(signed);
  assert.equal(
    tags.get('h'),
    'from:from:to:subject:subject:date:message-id:mime-version:content-type:list-id:list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post',
  );
  assert.equal(tags.get('t'), String(DATE.getTime() / 1000));
  assert.equal(tags.get('d'), DOMAIN);
  assert.equal(tags.get('s'), SELECTOR);
  assert.equal(tags.get('c'), 'relaxed/relaxed');
  assert.equal(tags.has('l'), false);
  const field = /^DKIM-Signature:.*?\r\n(?![ \t])/s.exec(signed)![0];
  for (const line of field.split(CRLF)) assert.ok(line.length <= 78, `line of ${line.length}: ${line}`);
});

test('an absent over-signed header is listed once, so adding it later breaks the signature', async () => {
  const dkim = signer(KEYS[1], ['relaxed', 'relaxed']);
  const signed = dkim.sign(`From: a@paperboy.test${CRLF}To: b@example.org${CRLF}Subject: hi${CRLF}${CRLF}Hello${CRLF}`);
  assert.equal(signatureTags(signed).get('h'), 'from:from:to:subject:subject:list-unsubscribe:list-unsubscribe-post');
  await assertVerifies(signed, ed25519.publicKey);
  await assertFails(
    signed.replace('Subject: hi', `List-Unsubscribe-Post: List-Unsubscribe=One-Click${CRLF}Subject: hi`),
    ed25519.publicKey,
  );
});

for (const mode of MODES) {
  test(`${mode.join('/')}: folded headers, duplicate headers signed bottom-up, whitespace and a body ending in blank lines`, async () => {
    const dkim = createDkimSigner({
      domainName: DOMAIN,
      keySelector: SELECTOR,
      privateKey: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      headerCanonicalization: mode[0],
      bodyCanonicalization: mode[1],
      signedHeaders: ['From', 'Subject', 'X-Tag', 'To'],
    });
    const message =
      `From: Paperboy\r\n  <digest@paperboy.test>${CRLF}` +
      `Subject:   A subject that   is folded${CRLF}\tover two lines  ${CRLF}` +
      `X-Tag: first${CRLF}To: reader@example.org${CRLF}X-Tag : second${CRLF}${CRLF}` +
      `Line with  two spaces and\ttab \t ${CRLF}${CRLF}   ${CRLF}last text line${CRLF}${CRLF} ${CRLF}\t${CRLF}${CRLF}`;
    const signed = dkim.sign(message);
    assert.equal(signatureTags(signed).get('h'), 'from:from:subject:subject:x-tag:x-tag:to');
    await assertVerifies(signed, rsa.publicKey);
    // Blank lines at the end are outside the canonical body; text after them is not.
    const withMoreBlank = signed + CRLF + CRLF;
    if (mode[1] === 'relaxed') await assertVerifies(signed + `  ${CRLF}` + CRLF, rsa.publicKey);
    await assertVerifies(withMoreBlank, rsa.publicKey);
    await assertFails(signed + `more${CRLF}`, rsa.publicKey);
    // Bottom-up: swapping the two X-Tag fields changes what was signed.
    await assertFails(
      signed.replace('X-Tag: first', 'X-Tag: tmp').replace('X-Tag : second', 'X-Tag : first').replace('X-Tag: tmp', 'X-Tag : second'),
      rsa.publicKey,
    );
    if (mode[0] === 'relaxed') await assertVerifies(signed.replace('is folded', 'is\r\n folded'), rsa.publicKey);
    else await assertFails(signed.replace('is folded', 'is\r\n folded'), rsa.publicKey);
    if (mode[1] === 'relaxed') await assertVerifies(signed.replace('two spaces', 'two \t spaces'), rsa.publicKey);
    else await assertFails(signed.replace('two spaces', 'two \t spaces'), rsa.publicKey);
  });
}

test('empty bodies, bodies of blank lines only and a last line without CRLF (which gets one, as SMTP adds it) verify', async () => {
  const headers = `From: a@paperboy.test${CRLF}Subject: empty${CRLF}`;
  for (const mode of MODES) {
    const dkim = signer(KEYS[1], mode);
    for (const body of ['', CRLF, `${CRLF}${CRLF}${CRLF}`, `no line break`, `a${CRLF}b  `, `x${CRLF}\t`]) {
      const message = headers + CRLF + body;
      const signed = dkim.sign(message);
      assert.ok(signed.endsWith(body === '' || body.endsWith(CRLF) ? message : message + CRLF));
      await assertVerifies(signed, ed25519.publicKey);
      assert.equal(dkim.signPrepared(headers, dkim.prepareBody([body]), [], { time: DATE }), dkim.sign(message, { time: DATE }));
    }
  }
});

test('for any split of a body into shared segments and pieces, the fast path signs what sign signs', () => {
  const line = fc.constantFrom('a', 'b c', ' ', '\t', '  ', '=', CRLF, CRLF, '=' + CRLF, ' ' + CRLF, 'é');
  const text = fc.array(line, { maxLength: 8 }).map((parts) => parts.join(''));
  const headers = `From: a@paperboy.test${CRLF}To: b@example.org${CRLF}`;
  const signers = MODES.map((mode) => signer(KEYS[1], mode));
  fc.assert(
    fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), fc.array(text, { minLength: 5, maxLength: 5 }), (segments, allPieces) => {
      const pieces = allPieces.slice(0, segments.length - 1);
      const body = segments.reduce((out, segment, index) => out + (index > 0 ? pieces[index - 1]! : '') + segment, '');
      for (const dkim of signers) {
        assert.equal(
          dkim.signPrepared(headers, dkim.prepareBody(segments), pieces, { time: DATE }),
          dkim.sign(headers + CRLF + body, { time: DATE }),
        );
      }
    }),
    { numRuns: 300 },
  );
});

test('a body joined from whole-line parts, shared ones reused across messages, signs what sign signs and verifies', async () => {
  // Parts end in CRLF; blank lines inside, at the start and at the very end (not part of the canonical body).
  const line = fc.constantFrom('a', 'b c', ' ', '\t', '  ', '=', 'é', '');
  const part = fc.array(line, { maxLength: 4 }).map((lines) => lines.map((text) => text + CRLF).join(''));
  const headers = `From: a@paperboy.test${CRLF}To: b@example.org${CRLF}`;
  const signers = MODES.map((mode) => signer(KEYS[1], mode));
  fc.assert(
    fc.property(fc.array(fc.tuple(part, fc.boolean()), { maxLength: 7 }), (chosen) => {
      const shared = chosen.map(([text, reused]) => (reused ? { text } : text));
      const body = chosen.map(([text]) => text).join('');
      for (const dkim of signers) {
        // Twice: the second time the shared parts' canonical forms come from the signer's memory.
        for (let round = 0; round < 2; round += 1)
          assert.equal(dkim.signJoined(headers, shared, { time: DATE }), dkim.sign(headers + CRLF + body, { time: DATE }));
      }
    }),
    { numRuns: 300 },
  );
  for (const dkim of signers) {
    const parts = [`Hello  there \t${CRLF}`, { text: `${CRLF}shared\t line ${CRLF}` }, CRLF, { text: `end${CRLF}${CRLF}` }];
    await assertVerifies(dkim.signJoined(headers, parts), ed25519.publicKey);
  }
  assert.throws(() => signers[0]!.signJoined(headers, ['no line break']), /does not end in CRLF/);
  assert.throws(() => signers[0]!.signJoined(headers, [{ text: `bare\nLF${CRLF}` }]), /bare CR or LF/);
});

test('random bodies split into segments and pieces pass the independent verifier', async () => {
  // The property above compares our two paths, which share the line canonicalisation; mailauth checks that too.
  const line = fc.constantFrom('x', 'y z', ' ', '\t', ' \t', '\t ', CRLF, CRLF + CRLF, ' ' + CRLF, '=' + CRLF);
  const text = fc.array(line, { maxLength: 6 }).map((parts) => parts.join(''));
  const headers = `From: a@paperboy.test${CRLF}`;
  const signers = MODES.map((mode) => signer(KEYS[1], mode));
  await fc.assert(
    fc.asyncProperty(
      fc.array(text, { minLength: 1, maxLength: 4 }),
      fc.array(text, { minLength: 3, maxLength: 3 }),
      async (segments, allPieces) => {
        const pieces = allPieces.slice(0, segments.length - 1);
        for (const dkim of signers) await assertVerifies(dkim.signPrepared(headers, dkim.prepareBody(segments), pieces), ed25519.publicKey);
      },
    ),
    { numRuns: 150 },
  );
});

test('a bad key, a key of the wrong kind or a bad option is refused when the signer is made', () => {
  const base = { domainName: DOMAIN, keySelector: SELECTOR };
  assert.throws(() => createDkimSigner({ ...base, privateKey: 'not a key' }), /private key could not be read/);
  assert.throws(() => createDkimSigner({ ...base, privateKey: rsa.publicKey }), /a private key is needed/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  assert.throws(() => createDkimSigner({ ...base, privateKey: ec.privateKey }), /RSA or Ed25519/);
  const short = generateKeyPairSync('rsa', { modulusLength: 768 });
  assert.throws(() => createDkimSigner({ ...base, privateKey: short.privateKey }), /768 bits is too short/);
  assert.throws(() => createDkimSigner({ ...base, privateKey: rsa.privateKey, algorithm: 'ed25519-sha256' }), /does not fit/);
  assert.throws(() => createDkimSigner({ ...base, domainName: 'paperboy.test; x=1', privateKey: rsa.privateKey }), /not a domain name/);
  assert.throws(() => createDkimSigner({ ...base, privateKey: rsa.privateKey, signedHeaders: ['To'] }), /must include From/);
});

test('a message that cannot be signed throws rather than going out unsigned', () => {
  const dkim = signer(KEYS[1], ['relaxed', 'relaxed']);
  assert.throws(() => dkim.sign(`To: b@example.org${CRLF}${CRLF}body${CRLF}`), /no From header/);
  assert.throws(() => dkim.sign(`From: a@paperboy.test${CRLF}not a header${CRLF}${CRLF}body`), /not a header field/);
  const prepared = dkim.prepareBody(['a', 'b']);
  assert.throws(() => dkim.signPrepared(`From: a@paperboy.test${CRLF}`, prepared, []), /takes 1 pieces, got 0/);
  assert.throws(() => dkim.signPrepared(`From: a@paperboy.test${CRLF}`, prepared, ['x\ny']), /bare CR or LF/);
  assert.throws(
    () => signer(KEYS[1], ['simple', 'simple']).signPrepared(`From: a@paperboy.test${CRLF}`, prepared, ['x']),
    /not prepared by this signer/,
  );
  assert.throws(() => dkim.sign(`From: a@paperboy.test${CRLF}${CRLF}x`, { time: new Date(Number.NaN) }), /not a valid date/);
});

test('bare LF line breaks are signed as the CRLF they become', async () => {
  const dkim = signer(KEYS[0], ['relaxed', 'relaxed']);
  const signed = dkim.sign('From: a@paperboy.test\nSubject: lf\n\nline one\nline two\n');
  assert.ok(signed.endsWith('From: a@paperboy.test\r\nSubject: lf\r\n\r\nline one\r\nline two\r\n'));
  await assertVerifies(signed, rsa.publicKey);
});
