// The console's reader and edition pages through the real app (inject): search exact and by prefix, a reader's
// history and deliveries, each action writing its event, a complaint lifted only when ticked, the suppressions
// list with the reply that caused each, editions with counts and the email as sent. Every page escapes what it shows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import argon2 from 'argon2';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { dateIn } from '../src/digest/calendar.ts';
import { ADMIN_PASSWORD, logIn, type AdminSession } from './support/admin.ts';
import { seedDashboardHistory, type SeededHistory } from './support/dashboard-seed.ts';
import { insertSubscribers } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
let app: FastifyInstance;
let admin: AdminSession;
let seeded: SeededHistory;
before(async () => {
  context = await createTestContext('admin-readers', { ADMIN_PASSWORD_HASH: await argon2.hash(ADMIN_PASSWORD) });
  seeded = await seedDashboardHistory(context.database.pool, dateIn('UTC'));
  app = await buildApp(context.services);
  admin = await logIn(app);
});
after(async () => {
  await app?.close();
  await context?.close();
});

const idOf = async (email: string) =>
  (await context.database.pool.query<{ id: number }>('SELECT id FROM subscribers WHERE email = $1', [email])).rows[0]!.id;
const events = async (id: number) =>
  (
    await context.database.pool.query<{ status: string; reason: string }>(
      'SELECT status, reason FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id',
      [id],
    )
  ).rows;

test('search finds the exact address first, then those starting with it; a % or _ typed is just a character', async () => {
  await insertSubscribers(context.database.pool, [
    { email: 'ann@example.org', status: 'confirmed' },
    { email: 'ann@example.org.uk', status: 'pending' },
    { email: 'annabel@example.org', status: 'confirmed' },
    { email: 'a_n@example.org', status: 'confirmed' },
  ]);
  const exact = await admin.get('/admin/readers?q=ANN@example.org');
  assert.equal(exact.statusCode, 200);
  const listed = [...exact.body.matchAll(/<a href="\/admin\/readers\/\d+">([^<]+)<\/a>/g)].map((match) => match[1]);
  assert.deepEqual(listed, ['ann@example.org', 'ann@example.org.uk']);
  const prefix = await admin.get('/admin/readers?q=ann');
  assert.match(prefix.body, /annabel@example\.org/);
  assert.doesNotMatch(prefix.body, /a_n@example\.org/);
  const wildcard = await admin.get('/admin/readers?q=a_');
  assert.match(wildcard.body, /a_n@example\.org/);
  assert.doesNotMatch(wildcard.body, /annabel/);
  const none = await admin.get('/admin/readers?q=%3Cscript%3E');
  assert.match(none.body, /No reader's address is or starts with "&lt;script&gt;"/);
  assert.doesNotMatch(none.body, /<script>/);
});

test("a reader's page shows state, history and deliveries; unsubscribe, suppress and lift each write their event", async () => {
  const id = await idOf('recent.one@example.org');
  const page = await admin.get(`/admin/readers/${id}`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /id="reader-status">confirmed</);
  assert.match(page.body, new RegExp(`/admin/editions/${seeded.editions[0]!.editionDate}`));
  assert.match(page.body, /550 5\.7\.1 refused/, 'a failed delivery shows its reply');

  const csrf = () => admin.csrf(`/admin/readers/${id}`);
  assert.equal((await admin.post(`/admin/readers/${id}/suppress`, { _csrf: await csrf() })).statusCode, 200);
  const { rows } = await context.database.pool.query('SELECT reason, detail FROM suppressions WHERE email = $1', [
    'recent.one@example.org',
  ]);
  assert.deepEqual(rows, [{ reason: 'manual', detail: 'suppressed by the operator' }]);
  const lifted = await admin.post(`/admin/readers/${id}/lift-suppression`, { _csrf: await csrf() });
  assert.match(lifted.body, /Suppression lifted \(was manual\)/);
  assert.equal((await admin.post(`/admin/readers/${id}/unsubscribe`, { _csrf: await csrf() })).statusCode, 200);
  assert.deepEqual((await events(id)).slice(-3), [
    { status: 'suppressed', reason: 'suppressed by the operator' },
    { status: 'confirmed', reason: 'suppression lifted by the operator (was manual)' },
    { status: 'unsubscribed', reason: 'unsubscribed by the operator' },
  ]);
  const exported = await admin.get(`/admin/readers/${id}/export`);
  assert.match(String(exported.headers['content-disposition']), /attachment/);
  assert.equal(JSON.parse(exported.body).tables.subscriber_events.length, (await events(id)).length);
  assert.equal((await admin.get('/admin/readers/999999')).statusCode, 404);
  assert.equal((await admin.get('/admin/readers/not-a-number')).statusCode, 400);
});

test('a complaint is lifted only when the operator ticks "lift anyway"; the suppressions list shows the reply', async () => {
  const [id] = await insertSubscribers(context.database.pool, [{ email: 'angry@example.org', status: 'suppressed' }]);
  await context.database.pool.query(
    `INSERT INTO suppressions (email, reason, detail) VALUES ('angry@example.org', 'complaint', 'ARF abuse <report>')`,
  );
  const list = await admin.get('/admin/suppressions');
  assert.match(list.body, /angry@example\.org<\/td>\s*<td>complaint<\/td>\s*<td><code>ARF abuse &lt;report&gt;<\/code>/);
  assert.match(list.body, /550 5\.1\.1 no such user/);
  const csrf = await admin.csrf(`/admin/readers/${id}`);
  const refused = await admin.post(`/admin/readers/${id}/lift-suppression`, { _csrf: csrf });
  assert.equal(refused.statusCode, 409);
  assert.equal((await context.database.pool.query('SELECT 1 FROM suppressions WHERE email = $1', ['angry@example.org'])).rows.length, 1);
  const forced = await admin.post(`/admin/readers/${id}/lift-suppression`, { _csrf: csrf, force: '1' });
  assert.match(forced.body, /Suppression lifted \(was complaint\)/);
});

test('editions are listed with their counts; an edition shows its papers and the email without anyone’s link', async () => {
  const list = await admin.get('/admin/editions');
  for (const edition of seeded.editions)
    assert.match(list.body, new RegExp(`${edition.editionDate}</a></td>\\s*<td class="num">${edition.sent}</td>`));
  assert.match(list.body, /paused/);
  const page = await admin.get(`/admin/editions/${seeded.pausedDate}`);
  assert.match(page.body, /A paper/);
  assert.match(page.body, /Resume sending/);
  const preview = await admin.get(`/admin/editions/${seeded.pausedDate}/preview`);
  assert.equal(preview.statusCode, 200);
  assert.doesNotMatch(preview.body, /%%PAPERBOY_UNSUBSCRIBE_URL%%/);
  assert.match(String(preview.headers['content-security-policy']), /default-src 'none'/);
  assert.equal((await admin.get('/admin/editions/1999-01-01')).statusCode, 404);
});
