// What leaves the service names a reader by a random public id, never by the sequential row id: two readers who
// subscribe one after the other get unrelated names, and no header, link, token payload, VERP tag or Message-ID of
// their confirmation or their digest tells the list's size or growth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertPapers, publicIdOf, sendEdition, upcomingDate, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import type { ReceivedMessage } from './support/smtp.ts';
import {
  confirmLinkIn,
  postForm,
  startApp,
  subscribeByJson,
  SUBSCRIPTION_TEST_ENV,
  tokenOf,
  type RunningApp,
} from './support/subscriptions.ts';

// Row ids far from anything a date, a time or a port could contain, so finding one anywhere is a leak.
const FIRST_SUBSCRIBER_ID = 730_000_001;
const FIRST_DELIVERY_ID = 740_000_001;
const READERS = ['first-in-a-row@example.org', 'second-in-a-row@example.org'];

let context: TestContext;
let running: RunningApp;
before(async () => {
  context = await createTestContext('hardening_public_ids', { ...SUBSCRIPTION_TEST_ENV, BOUNCE_ADDRESS: 'bounces@mail.paperboy.test' });
  await context.services.pool.query(`ALTER TABLE subscribers ALTER COLUMN id RESTART WITH ${FIRST_SUBSCRIBER_ID}`);
  await context.services.pool.query(`ALTER TABLE deliveries ALTER COLUMN id RESTART WITH ${FIRST_DELIVERY_ID}`);
  running = await startApp(context);
});
after(async () => {
  await running?.close();
  await context?.close();
});

/** Every way a row id could be written: decimal, and base 36 (the old tokens). */
function rowIdSpellings(ids: number[]): string[] {
  return ids.flatMap((id) => [String(id), id.toString(36)]);
}

/** The decoded payload of every token in the message's links (a token is `base64url(payload).signature`). */
function tokenPayloads(message: ReceivedMessage): string[] {
  const text = `${message.raw.toString('latin1')}\n${message.parsed.text ?? ''}\n${String(message.parsed.html)}`;
  return [...text.matchAll(/token=([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+/g)].map((match) => Buffer.from(match[1]!, 'base64url').toString());
}

function assertNoRowId(where: string, texts: string[], ids: number[]) {
  for (const text of texts) {
    for (const spelling of rowIdSpellings(ids)) {
      // base 36 spellings are short: look for them only as a whole field of a decoded payload.
      const found = /^\d+$/.test(spelling) ? text.includes(spelling) : text.split(/[.+@<>-]/).includes(spelling);
      assert.ok(!found, `${where} holds the row id ${spelling}: ${text.slice(0, 300)}`);
    }
  }
}

const mailsTo = (address: string) => context.smtp.messages.filter((message) => message.envelopeTo.includes(address));

test('a confirmation and a digest name their reader by a random public id, in every header, link, token, VERP tag and Message-ID', async () => {
  const { pool } = context.services;
  for (const email of READERS) assert.equal((await subscribeByJson(running.app, { email })).statusCode, 202);
  await waitFor(async () => READERS.every((email) => mailsTo(email).length === 1), 'both confirmations');

  const { rows } = await pool.query<{ id: number; email: string }>('SELECT id, email FROM subscribers ORDER BY id');
  assert.deepEqual(
    rows.map((row) => row.id),
    [FIRST_SUBSCRIBER_ID, FIRST_SUBSCRIBER_ID + 1],
    'the row ids are neighbours',
  );
  const subscriberIds = rows.map((row) => row.id);
  const publicIds = await Promise.all(subscriberIds.map((id) => publicIdOf(pool, id)));
  for (const publicId of publicIds) assert.match(publicId, /^[0-9a-f]{32}$/);
  const differing = [...publicIds[0]!].filter((digit, index) => digit !== publicIds[1]![index]).length;
  assert.ok(differing >= 16, `two readers in a row get unrelated public ids (${publicIds.join(', ')}: ${differing} of 32 digits differ)`);

  for (const [index, email] of READERS.entries()) {
    const publicId = publicIds[index]!;
    const [confirmation] = mailsTo(email);
    assert.match(confirmation!.parsed.messageId ?? '', new RegExp(`^<confirm-${publicId}-\\d{13}@paperboy\\.test>$`));
    const payloads = tokenPayloads(confirmation!);
    assert.ok(payloads.length > 0, 'the confirmation holds its link');
    assert.ok(
      payloads.every((payload) => new RegExp(`^confirm\\.${publicId}\\.[0-9a-z]+$`).test(payload)),
      `the confirm link names the reader by public id: ${payloads.join(', ')}`,
    );
    assertNoRowId(`the confirmation to ${email}`, [confirmation!.raw.toString('latin1'), ...payloads], subscriberIds);
    assert.equal((await postForm(running.app, '/confirm', { token: tokenOf(confirmLinkIn(confirmation!)) })).statusCode, 200);
  }

  const date = upcomingDate(1);
  await insertPapers(pool, [{ title: 'Counting readers from the outside', upvotes: 12 }]);
  await sendEdition(context.services, date);
  const { rows: deliveries } = await pool.query<{ id: number }>('SELECT id FROM deliveries ORDER BY id');
  assert.deepEqual(
    deliveries.map((row) => row.id),
    [FIRST_DELIVERY_ID, FIRST_DELIVERY_ID + 1],
  );
  const rowIds = [...subscriberIds, ...deliveries.map((row) => row.id)];

  for (const [index, email] of READERS.entries()) {
    const publicId = publicIds[index]!;
    const digest = mailsTo(email)[1];
    assert.ok(digest, `${email} got the digest`);
    assert.equal(digest.parsed.messageId, `<edition-${date}.${publicId}@paperboy.test>`);
    const header = /^List-Unsubscribe: (.*(?:\r\n[ \t].*)*)/m.exec(digest.raw.toString('latin1'))?.[1] ?? '';
    assert.match(header, new RegExp(`<mailto:unsubscribe\\+${publicId}\\.[a-z2-7]{10}@mail\\.paperboy\\.test\\?subject=unsubscribe>`));
    const payloads = tokenPayloads(digest);
    assert.ok(payloads.length >= 2, 'the unsubscribe link is in the header and the footer');
    assert.ok(
      payloads.includes(`unsubscribe.${publicId}.0`) &&
        payloads.every((payload) =>
          new RegExp(`^(unsubscribe|preferences|rate)\\.${publicId}\\.0(\\.[0-9a-z]+-(up|down))?$`).test(payload),
        ),
      `every token of the digest (unsubscribe, preferences, ratings) names the reader by public id: ${payloads.join(', ')}`,
    );
    assertNoRowId(`the digest to ${email}`, [digest.raw.toString('latin1'), ...payloads], rowIds);
  }

  // The envelope senders (VERP), one per confirmation and per digest: the kind and the reader's public id, signed.
  assert.equal(context.smtp.senders.length, 4);
  for (const sender of context.smtp.senders) {
    const match = /^bounces\+([cd])([0-9a-f]{32})\.[a-z2-7]{10}@mail\.paperboy\.test$/.exec(sender);
    assert.ok(match && publicIds.includes(match[2]!), `a VERP tag names a reader by public id: ${sender}`);
  }
  assertNoRowId('the envelope senders', context.smtp.senders, rowIds);
});
