// Bounces and complaints after acceptance, over real SMTP: digests go out with a signed VERP envelope sender and
// a per-reader unsubscribe mailto; `paperboy inbound`'s receiver suppresses the reader a DSN or ARF report is
// about (by the signed tag, never by what the report's text names), unsubscribes the reader who mailed their
// address, and changes nothing for a forged tag, a delay, or garbage.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { createDigestMessageFactory } from '../src/mail/digest-message.ts';
import { startInboundServer, type InboundServer } from '../src/mail/inbound-server.ts';
import { envelopeSender } from '../src/mail/return-path.ts';
import { insertPapers, insertSubscribers, publicIdOf, sendEdition, upcomingDate } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const BOUNCES = 'bounces@mail.paperboy.test';
const READERS = ['gone@example.net', 'complainer@yahoo.example', 'delayed@example.org', 'leaver@example.org', 'stays@example.org'];

let context: TestContext;
let inbound: InboundServer;
before(async () => {
  context = await createTestContext('inbound-reports', { BOUNCE_ADDRESS: BOUNCES });
  inbound = await startInboundServer(
    { db: context.services.pool, env: context.env, keys: context.services.keys, logger: context.services.logger },
    { host: '127.0.0.1', port: 0, maxBytes: 256 * 1024 },
  );
});
after(async () => {
  await inbound?.close();
  await context.close();
});

/** One SMTP conversation with the receiver: the reply to RCPT and to DATA (or the refusal). */
async function deliver(to: string, raw: string | Buffer, from = ''): Promise<{ ok: boolean; code?: number; response: string }> {
  const connection = new SMTPConnection({ host: '127.0.0.1', port: inbound.port, ignoreTLS: true });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect(() => resolve());
    });
    return await new Promise((resolve) => {
      connection.send({ from, to: [to] }, raw, (error, info) => {
        if (error) resolve({ ok: false, code: (error as { responseCode?: number }).responseCode, response: String(error.message) });
        else resolve({ ok: true, response: info.response });
      });
    });
  } finally {
    connection.quit();
  }
}

async function readerStates(): Promise<Record<string, string>> {
  const { rows } = await context.database.pool.query<{ email: string; status: string; reason: string | null }>(
    `SELECT s.email, s.status, x.reason FROM subscribers s LEFT JOIN suppressions x ON x.email = lower(s.email) ORDER BY s.id`,
  );
  return Object.fromEntries(rows.map((row) => [row.email, row.reason ? `${row.status}:${row.reason}` : row.status]));
}

const publicIdOfReader = async (email: string) =>
  (
    await context.database.pool.query<{ publicId: string }>(
      `SELECT replace(public_id::text, '-', '') AS "publicId" FROM subscribers WHERE email = $1`,
      [email],
    )
  ).rows[0]!.publicId;

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('without a receiver configured, List-Unsubscribe advertises no mailto: nobody would read it', () => {
  const factory = createDigestMessageFactory(
    { editionDate: '2026-12-01', subject: 'Papers', htmlTemplate: '<p>X</p>', textTemplate: 'X' },
    { from: 'Paperboy <digest@paperboy.test>' },
    'PLACEHOLDER',
  );
  const raw = factory.build({ email: 'a@example.org', messageId: '<m@paperboy.test>', unsubscribeUrl: 'http://paperboy.test/u' });
  assert.match(raw, /^List-Unsubscribe: <http:\/\/paperboy\.test\/u>\r\n/m);
  assert.doesNotMatch(raw, /mailto:/);
});

test('digests go out with a signed VERP envelope sender, a per-reader mailto and a Feedback-ID; reports act on the reader they are about', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  await insertPapers(pool, [{ title: 'Bounced later', upvotes: 10 }]);
  const ids = await insertSubscribers(
    pool,
    READERS.map((email) => ({ email, status: 'confirmed' })),
  );
  await sendEdition(context.services, date);
  const verpOf = new Map<string, string>();
  for (const email of READERS)
    verpOf.set(email, envelopeSender(context.env, context.services.keys, 'delivery', await publicIdOfReader(email)));
  assert.deepEqual(new Set(context.smtp.senders), new Set(verpOf.values()), 'each digest has its own signed envelope sender');
  assert.ok([...verpOf.values()].every((address) => /^bounces\+d[0-9a-f]{32}\.[a-z2-7]{10}@mail\.paperboy\.test$/.test(address)));
  const mailtoOf = new Map<string, string>();
  for (const message of context.smtp.messages) {
    const header = /^List-Unsubscribe: (.*(?:\r\n[ \t].*)*)/m.exec(message.raw.toString())?.[1] ?? '';
    const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(header)?.[1];
    assert.ok(mailto, `a mailto in ${header}`);
    assert.match(mailto, /^unsubscribe\+[0-9a-f]{32}\.[a-z2-7]{10}@mail\.paperboy\.test$/);
    mailtoOf.set(message.envelopeTo[0]!, mailto);
    assert.match(message.raw.toString(), new RegExp(`^Feedback-ID: ${date}:digest:paperboy\\.test:paperboy\\r$`, 'm'));
  }
  assert.equal(new Set(mailtoOf.values()).size, READERS.length, 'the mailto identifies the reader');

  // A real DSN (Postfix) to gone's VERP address: its text names some other address, the tag decides.
  const dsn = (await fixture('dsn-postfix.eml')).replace(/\r?\n/g, '\r\n');
  assert.equal((await deliver(verpOf.get('gone@example.net')!, dsn)).ok, true);
  // A real ARF report (Yahoo's feedback loop) to the bare bounce address: the signed tag is its Original-Mail-From.
  const arf = (await fixture('arf-yahoo.eml'))
    .replace(/\r?\n/g, '\r\n')
    .replace(/Original-Mail-From: <[^>]+>/, `Original-Mail-From: <${verpOf.get('complainer@yahoo.example')}>`);
  assert.equal((await deliver(BOUNCES, arf)).ok, true);
  // A delay, to delayed's own address: nothing.
  const delayed = (await fixture('dsn-delayed.eml')).replace(/\r?\n/g, '\r\n');
  assert.equal((await deliver(verpOf.get('delayed@example.org')!, delayed)).ok, true);
  // Garbage to a real address: taken, ignored, the receiver lives on.
  assert.equal((await deliver(verpOf.get('delayed@example.org')!, 'Content-Type: multipart/report; boundary=\r\n\r\n--\x00\xff')).ok, true);
  assert.equal((await deliver(verpOf.get('stays@example.org')!, Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x2e, 0x2e]))).ok, true);
  // A forged tag (the MAC of another delivery, or a made-up one) is refused at RCPT.
  const stays = verpOf.get('stays@example.org')!;
  const forged = stays.replace(/\.[a-z2-7]{10}@/, '.aaaaaaaaaa@');
  const refused = await deliver(forged, dsn);
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 550);
  assert.equal((await deliver('postmaster@mail.paperboy.test', dsn)).code, 550, 'anything not ours is refused');
  // A DSN to the bare address (no tag) suppresses no one.
  assert.equal((await deliver(BOUNCES, dsn)).ok, true);

  // Mail to the leaver's unsubscribe address.
  const leave = `From: leaver@example.org\r\nTo: ${mailtoOf.get('leaver@example.org')}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n`;
  assert.equal((await deliver(mailtoOf.get('leaver@example.org')!, leave, 'leaver@example.org')).ok, true);
  const forgedLeave = mailtoOf.get('stays@example.org')!.replace(/\.[a-z2-7]{10}@/, '.bbbbbbbbbb@');
  assert.equal((await deliver(forgedLeave, leave)).code, 550);

  assert.deepEqual(await readerStates(), {
    'gone@example.net': 'suppressed:hard_bounce',
    'complainer@yahoo.example': 'suppressed:complaint',
    'delayed@example.org': 'confirmed',
    'leaver@example.org': 'unsubscribed',
    'stays@example.org': 'confirmed',
  });
  const { rows: events } = await pool.query<{ subscriber_id: string; reason: string }>(
    `SELECT subscriber_id, reason FROM subscriber_events WHERE subscriber_id = ANY($1) ORDER BY id`,
    [ids],
  );
  assert.deepEqual(
    events.map((event) => event.reason),
    ['hard bounce (DSN)', 'complaint (feedback report)', 'unsubscribe by email (List-Unsubscribe mailto)'],
  );

  // The same DSN again (the MTA retried) changes nothing.
  assert.equal((await deliver(verpOf.get('gone@example.net')!, dsn)).ok, true);
  const { rows: count } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscriber_events`);
  assert.equal(count[0]!.n, 3);
});

test('a DSN to a confirmation VERP address suppresses that subscriber', async () => {
  const [id] = await insertSubscribers(context.database.pool, [{ email: 'typo@example.org', status: 'pending' }]);
  const address = envelopeSender(context.env, context.services.keys, 'confirmation', await publicIdOf(context.database.pool, id!));
  assert.match(address, /^bounces\+c[0-9a-f]{32}\./);
  const dsn = (await fixture('dsn-gmail.eml')).replace(/\r?\n/g, '\r\n');
  assert.equal((await deliver(address, dsn)).ok, true);
  const states = await readerStates();
  assert.equal(states['typo@example.org'], 'suppressed:hard_bounce');
});
