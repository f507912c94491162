// The address table: every kind of input a person or a program may send, and what is stored afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { domainToASCII } from 'node:url';
import { MESSAGES } from '../src/subscriptions/address.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { settleConfirmations, startApp, SUBSCRIPTION_TEST_ENV, type RunningApp } from './support/subscriptions.ts';

let context: TestContext;
let running: RunningApp;
before(async () => {
  context = await createTestContext('subscription_addresses', { ...SUBSCRIPTION_TEST_ENV, SUBSCRIBE_RATE_LIMIT: '1000' });
  running = await startApp(context);
});
after(async () => {
  await running?.close();
  await context?.close();
});

interface Case {
  name: string;
  /** A string goes through the HTML form; `json` sends the raw JSON text; `form` a raw urlencoded body. */
  input?: string;
  json?: string;
  form?: string;
  status: number;
  /** What the database must hold for an accepted address. */
  stored?: string;
  message?: string;
}

const longDomain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.org`; // 246 octets

const CASES: Case[] = [
  // Accepted: 202, stored normalised.
  { name: 'plain', input: 'ada@example.org', status: 202, stored: 'ada@example.org' },
  { name: 'spaces around', input: '   grace@example.org  ', status: 202, stored: 'grace@example.org' },
  { name: 'mixed case: local kept, domain lowered', input: 'Alan.Turing@Example.ORG', status: 202, stored: 'Alan.Turing@example.org' },
  // Its own inbox: ada+papers@ would share ada@'s (one confirmation per inbox, tests/hardening-bombing.test.ts).
  { name: 'plus addressing', input: 'lovelace+papers@example.org', status: 202, stored: 'lovelace+papers@example.org' },
  { name: 'IDN domain', input: 'kurt@bücher.de', status: 202, stored: 'kurt@xn--bcher-kva.de' },
  { name: 'IDN domain, non-Latin TLD', input: 'yuki@例え.テスト', status: 202, stored: 'yuki@xn--r8jz45g.xn--zckzah' },
  { name: 'full-width domain', input: 'emmy@ＮＯＥＴＨＥＲ.org', status: 202, stored: 'emmy@noether.org' },
  { name: 'punycode typed', input: 'karl@xn--mnchen-3ya.de', status: 202, stored: 'karl@xn--mnchen-3ya.de' },
  { name: 'apostrophe', input: "o'brien@example.ie", status: 202, stored: "o'brien@example.ie" },
  {
    name: 'subdomains and hyphens',
    input: 'first.last@mail.sub-domain.example.co.uk',
    status: 202,
    stored: 'first.last@mail.sub-domain.example.co.uk',
  },
  { name: 'every atext character', input: "!#$%&'*+/=?^_`{|}~-@example.org", status: 202, stored: "!#$%&'*+/=?^_`{|}~-@example.org" },
  { name: 'SQL-looking but valid', input: "admin'--@example.org", status: 202, stored: "admin'--@example.org" },
  { name: '64-octet local part', input: `${'l'.repeat(64)}@example.org`, status: 202, stored: `${'l'.repeat(64)}@example.org` },
  // 254 octets is accepted too (tests/address.test.ts); the in-process SMTP server refuses over 253, so mail goes to 253 here.
  { name: '253-octet address', input: `123456@${longDomain}`, status: 202, stored: `123456@${longDomain}` },
  { name: 'JSON body', json: '{"email":"hopper@example.org"}', status: 202, stored: 'hopper@example.org' },
  { name: 'JSON with extra fields', json: '{"email":"lamarr@example.org","name":"Hedy"}', status: 202, stored: 'lamarr@example.org' },
  { name: 'same mailbox in other case (stored once)', input: 'ADA@EXAMPLE.ORG', status: 202 },

  // Refused: 400 and nothing stored.
  { name: 'empty', input: '', status: 400, message: MESSAGES.missing },
  { name: 'only spaces', input: '    ', status: 400, message: MESSAGES.missing },
  { name: 'no @', input: 'ada.example.org', status: 400, message: MESSAGES.noAt },
  { name: 'two @', input: 'ada@bob@example.org', status: 400, message: MESSAGES.manyAt },
  { name: 'double @', input: 'ada@@example.org', status: 400, message: MESSAGES.manyAt },
  { name: 'nothing before @', input: '@example.org', status: 400, message: MESSAGES.noLocal },
  { name: 'nothing after @', input: 'ada@', status: 400, message: MESSAGES.noDomain },
  { name: 'space inside', input: 'ada lovelace@example.org', status: 400, message: MESSAGES.space },
  { name: 'quoted local part', input: '"ada lovelace"@example.org', status: 400, message: MESSAGES.quoted },
  { name: 'simple quoted local part', input: '"ada"@example.org', status: 400, message: MESSAGES.quoted },
  { name: 'no TLD', input: 'ada@example', status: 400, message: MESSAGES.badDomain },
  { name: 'localhost', input: 'root@localhost', status: 400, message: MESSAGES.badDomain },
  { name: 'IP literal', input: 'ada@[127.0.0.1]', status: 400, message: MESSAGES.ipLiteral },
  { name: 'bare IP', input: 'ada@192.168.1.1', status: 400, message: MESSAGES.ipLiteral },
  { name: 'leading dot', input: '.ada@example.org', status: 400, message: MESSAGES.badLocal },
  { name: 'two dots', input: 'ada..l@example.org', status: 400, message: MESSAGES.badLocal },
  { name: 'domain with two dots', input: 'ada@example..org', status: 400, message: MESSAGES.badDomain },
  { name: 'domain label with hyphen at start', input: 'ada@-example.org', status: 400, message: MESSAGES.badDomain },
  { name: 'underscore in domain', input: 'ada@exa_mple.org', status: 400, message: MESSAGES.badDomain },
  { name: 'non-ASCII local part', input: 'jöran@example.org', status: 400, message: MESSAGES.nonAsciiLocal },
  { name: '65-octet local part', input: `${'l'.repeat(65)}@example.org`, status: 400, message: MESSAGES.localTooLong },
  { name: '255-octet address', input: `12345678@${longDomain}`, status: 400, message: MESSAGES.tooLong },
  { name: 'CRLF header injection', input: 'eve@example.org\r\nBcc: victim@example.org', status: 400, message: MESSAGES.control },
  { name: 'LF header injection', input: 'eve@example.org\nSubject: hi', status: 400, message: MESSAGES.control },
  { name: 'NUL byte', input: 'eve\u0000@example.org', status: 400, message: MESSAGES.control },
  { name: 'SQL injection attempt', input: "x@example.org'); DROP TABLE subscribers; --", status: 400, message: MESSAGES.space },
  {
    name: 'SQL injection without spaces',
    input: "x@example.org';DROP/**/TABLE/**/subscribers;--",
    status: 400,
    message: MESSAGES.badDomain,
  },
  { name: 'HTML in the address', input: '<script>alert(1)</script>@example.org', status: 400, message: MESSAGES.badLocal },
  { name: 'long junk', input: 'x'.repeat(5000), status: 400, message: MESSAGES.tooLong },
  { name: 'JSON array of two', json: '{"email":["a@example.org","b@example.org"]}', status: 400, message: MESSAGES.notText },
  { name: 'JSON array of one', json: '{"email":["solo@example.org"]}', status: 400, message: MESSAGES.notText },
  { name: 'JSON number', json: '{"email":42}', status: 400, message: MESSAGES.notText },
  { name: 'JSON object', json: '{"email":{"$ne":""}}', status: 400, message: MESSAGES.notText },
  { name: 'JSON null', json: '{"email":null}', status: 400, message: MESSAGES.missing },
  { name: 'JSON without email', json: '{}', status: 400, message: MESSAGES.missing },
  { name: 'JSON string body', json: '"ada2@example.org"', status: 400, message: MESSAGES.missing },
  { name: 'JSON array body', json: '["ada3@example.org"]', status: 400, message: MESSAGES.missing },
  { name: 'broken JSON', json: '{"email": "ada4@example.org"', status: 400 },
  { name: 'form field twice', form: 'email=twice1%40example.org&email=twice2%40example.org', status: 400, message: MESSAGES.notText },
  { name: 'huge body (over the 64 KB limit)', json: JSON.stringify({ email: `${'h'.repeat(70_000)}@example.org` }), status: 413 },
];

test(`${CASES.length} addresses each get the right answer, and the database holds exactly the valid ones`, async () => {
  assert.ok(CASES.length >= 40);
  const { app } = running;
  for (const item of CASES) {
    const response =
      item.json !== undefined
        ? await app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload: item.json })
        : await app.inject({
            method: 'POST',
            url: '/subscribe',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: item.form ?? new URLSearchParams({ email: item.input!, website: '' }).toString(),
          });
    assert.equal(response.statusCode, item.status, `${item.name}: ${response.body.slice(0, 200)}`);
    assert.doesNotMatch(response.body, /at .*\.ts:\d+|node_modules/, `${item.name}: no stack trace`);
    if (item.message) {
      const shown = item.json !== undefined ? response.json().message : response.body;
      if (item.json !== undefined) assert.equal(shown, item.message, item.name);
      else assert.ok(response.body.includes(escapeHtml(item.message)), `${item.name}: the page says ${item.message}`);
    }
    if (item.status === 400 && item.json === undefined && item.form === undefined) {
      // A person gets the form back, with the error tied to the field.
      assert.match(response.body, /aria-invalid="true"/, item.name);
      assert.doesNotMatch(response.body, /<script>alert/, `${item.name}: what was typed is escaped`);
    }
  }

  const expected = [...new Set(CASES.filter((item) => item.stored).map((item) => item.stored!))].sort();
  const { rows } = await context.services.pool.query<{ email: string }>('SELECT email FROM subscribers ORDER BY email');
  assert.deepEqual(rows.map((row) => row.email).sort(), expected);

  // Each stored address got exactly one confirmation (the second "ADA@…" was inside the resend interval).
  await context.smtp.waitForMessages(expected.length);
  await settleConfirmations(context);
  // The SMTP server hands IDN domains back in Unicode; compare in the punycode we store.
  const recipients = context.smtp.messages
    .flatMap((message) => message.envelopeTo)
    .map((address) => address.replace(/@(.+)$/, (_match, domain: string) => `@${domainToASCII(domain)}`))
    .sort();
  assert.deepEqual(recipients, expected);
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
