// A reader's data: the export holds every row of every table that references them (found in the catalog, so a
// table another feature adds is in it too), and erasure leaves nothing of them in any table but, when they were
// suppressed, a keyed hash of the address, which keeps the address from ever being subscribed or mailed again.
// From the reader's own link (GET shows, POST erases) and from `paperboy readers export|erase`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { exportReader } from '../src/db/reader-data.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { erasedAddressKey } from '../src/security/keys.ts';
import { runPaperboy } from './support/cli.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { subscribeByForm, unsubscribeTokenFor, postForm } from './support/subscriptions.ts';

let context: TestContext;
let app: FastifyInstance;
before(async () => {
  context = await createTestContext('reader-data');
  app = await buildApp(context.services);
  // Tables another feature adds (the `prefs` branch's settings and ratings): one cascading, one not.
  await context.database.pool.query(`
    CREATE TABLE test_reader_settings (subscriber_id bigint PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE, digest_size int NOT NULL);
    CREATE TABLE test_ratings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, subscriber_id bigint NOT NULL REFERENCES subscribers (id), paper text NOT NULL, score int NOT NULL)`);
});
after(async () => {
  await app?.close();
  await context?.close();
});

let serial = 0;
/** A reader with a bit of everything: events, two deliveries, a setting, ratings; suppressed if asked. */
async function seedReader(email: string, { suppressed = false } = {}): Promise<number> {
  const { pool } = context.database;
  serial += 1;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO subscribers (email_input, email, status, confirmed_at, source_ip_hash) VALUES ($1, $1, $2, now(), 'ip-hash') RETURNING id`,
    [email, suppressed ? 'suppressed' : 'confirmed'],
  );
  const id = rows[0]!.id;
  await pool.query(
    `INSERT INTO subscriber_events (subscriber_id, status, reason) VALUES ($1, 'pending', 'subscribe form'), ($1, 'confirmed', 'confirm link')`,
    [id],
  );
  const editions = await pool.query<{ id: number }>(
    `INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
     VALUES ($1::date, 'E', 'S', '[]', '<p>x</p>', 'x'), ($1::date + 1, 'E', 'S', '[]', '<p>x</p>', 'x') RETURNING id`,
    [`2020-01-${String(serial * 2).padStart(2, '0')}`],
  );
  for (const edition of editions.rows) {
    await pool.query(
      `INSERT INTO deliveries (edition_id, subscriber_id, status, message_id, smtp_response) VALUES ($1, $2, 'sent', $3, $4)`,
      [edition.id, id, `<m${edition.id}.${id}@paperboy.test>`, `250 ok queued for ${email}`],
    );
  }
  await pool.query('INSERT INTO test_reader_settings VALUES ($1, 5)', [id]);
  await pool.query(`INSERT INTO test_ratings (subscriber_id, paper, score) VALUES ($1, 'a', 1), ($1, 'b', -1)`, [id]);
  if (suppressed) {
    await pool.query(`INSERT INTO suppressions (email, reason, detail) VALUES (lower($1), 'hard_bounce', $2)`, [
      email,
      `550 5.1.1 <${email}>: no such user`,
    ]);
    await pool.query(`INSERT INTO subscriber_events (subscriber_id, status, reason) VALUES ($1, 'suppressed', 'hard bounce')`, [id]);
  }
  return id;
}

/** Every table of the database that references subscribers, asked of information_schema (not the code's own query). */
async function referencingTables(): Promise<{ table: string; column: string }[]> {
  const { rows } = await context.database.pool.query<{ table: string; column: string }>(
    `SELECT k.table_name AS table, k.column_name AS column
       FROM information_schema.referential_constraints r
       JOIN information_schema.key_column_usage k ON k.constraint_name = r.constraint_name AND k.constraint_schema = r.constraint_schema
       JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.unique_constraint_name AND u.constraint_schema = r.unique_constraint_schema
      WHERE u.table_name = 'subscribers'`,
  );
  return rows;
}

/** Rows of any table whose text mentions `needle` (case-insensitive), as "table: row". */
async function rowsMentioning(needle: string): Promise<string[]> {
  const { pool } = context.database;
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'pgmigrations'`,
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const { rows } = await pool.query<{ row: string }>(
      `SELECT t::text AS row FROM ${name} t WHERE position(lower($1) IN lower(t::text)) > 0`,
      [needle],
    );
    for (const row of rows) found.push(`${name}: ${row.row}`);
  }
  return found;
}

test('the export holds every row of every table that references the reader, and their suppression', async () => {
  const id = await seedReader('Export.Me@example.org', { suppressed: true });
  const data = (await exportReader(context.database.pool, id))!;
  assert.equal(data.reader.email, 'Export.Me@example.org');
  const tables = await referencingTables();
  assert.ok(tables.some((t) => t.table === 'test_ratings') && tables.some((t) => t.table === 'test_reader_settings'));
  assert.deepEqual(Object.keys(data.tables).sort(), [...new Set(tables.map((t) => t.table))].sort());
  for (const { table, column } of tables) {
    const { rows } = await context.database.pool.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE ${column} = $1`, [id]);
    assert.deepEqual(
      JSON.parse(JSON.stringify(data.tables[table])).sort((a: object, b: object) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      rows.map((r) => r.row).sort((a: object, b: object) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      table,
    );
  }
  assert.equal(data.tables.subscriber_events!.length, 3);
  assert.equal(data.tables.deliveries!.length, 2);
  assert.equal(data.tables.test_ratings!.length, 2);
  assert.deepEqual(
    data.suppressions.map((row) => row.reason),
    ['hard_bounce'],
  );
});

test('erasing a suppressed reader leaves nothing of them but a keyed hash in suppressions; the address stays refused', async () => {
  const email = 'Erase.Suppressed@example.org';
  const id = await seedReader(email, { suppressed: true });
  await context.database.pool.query(
    `INSERT INTO suppression_lifts (email, reason, detail, suppressed_at) VALUES (lower($1), 'hard_bounce', 'earlier', now())`,
    [email],
  );
  const erased = await runPaperboy(context, ['readers', 'erase', email]);
  assert.equal(erased.code, 0, erased.stderr);
  assert.match(erased.stdout, /erased; its suppression \(hard_bounce\) kept as a keyed hash/);

  assert.deepEqual(await rowsMentioning(email), []);
  assert.deepEqual(await rowsMentioning('erase.suppressed'), []);
  for (const { table, column } of await referencingTables()) {
    const { rows } = await context.database.pool.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [id]);
    assert.equal(rows.length, 0, table);
  }
  const key = erasedAddressKey(context.services.keys, email);
  const { rows: kept } = await context.database.pool.query('SELECT email, reason, detail FROM suppressions WHERE erased_at IS NOT NULL');
  assert.deepEqual(kept, [{ email: key, reason: 'hard_bounce', detail: null }]);

  // Typed again, the address is refused as any suppressed one: the same answer, nothing stored, nothing sent.
  const again = await subscribeByForm(app, { email: 'erase.suppressed@EXAMPLE.org' });
  assert.equal(again.statusCode, 202);
  const { rows: none } = await context.database.pool.query('SELECT id FROM subscribers WHERE lower(email) = lower($1)', [email]);
  assert.deepEqual(none, []);
  const { rows: noted } = await context.database.pool.query(
    'SELECT last_requested_at IS NOT NULL AS noted FROM suppressions WHERE email = $1',
    [key],
  );
  assert.deepEqual(noted, [{ noted: true }], 'the request wrote, as for any suppressed address (same timing)');
});

test('erasing a reader who was not suppressed leaves no trace at all, and they may subscribe afresh', async () => {
  const email = 'erase.clean@example.org';
  const id = await seedReader(email);
  // The inbox's confirmation throttle slot this address holds (migration 020) names it too.
  await context.database.pool.query('INSERT INTO mailbox_confirmation_slots (mailbox, claimed_by, claimed_at) VALUES ($1, $1, now())', [
    email,
  ]);
  const { rows: ids } = await context.database.pool.query<{ publicId: string }>(
    `SELECT replace(public_id::text, '-', '') AS "publicId" FROM subscribers WHERE id = $1`,
    [id],
  );
  const reader = ids[0]!;
  const session = await app.inject({ method: 'GET', url: `/unsubscribe?token=${unsubscribeTokenFor(context, reader)}` });
  assert.match(session.body, /id="your-data"/);
  assert.match(session.body, /href="\/my-data\?token=/);
  assert.match(session.body, /href="\/erase\?token=/);

  const token = unsubscribeTokenFor(context, reader);
  const download = await app.inject({ method: 'GET', url: `/my-data?token=${token}` });
  assert.equal(download.statusCode, 200);
  assert.match(String(download.headers['content-disposition']), /attachment/);
  assert.equal(JSON.parse(download.body).reader.email, email);

  const prompt = await app.inject({ method: 'GET', url: `/erase?token=${token}` });
  assert.equal(prompt.statusCode, 200);
  assert.match(prompt.body, /Erase me for good/);
  const { rows: still } = await context.database.pool.query('SELECT 1 FROM subscribers WHERE id = $1', [id]);
  assert.equal(still.length, 1, 'GET changes nothing (mail scanners fetch links)');

  const forged = await postForm(app, '/erase', { token: `${token.slice(0, -2)}xx` });
  assert.equal(forged.statusCode, 400);
  const done = await postForm(app, '/erase', { token });
  assert.equal(done.statusCode, 200);
  assert.match(done.body, /You’re erased/);
  assert.deepEqual(await rowsMentioning(email), []);
  const { rows: suppressions } = await context.database.pool.query('SELECT email FROM suppressions WHERE erased_at IS NOT NULL');
  assert.ok(suppressions.every((row) => row.email !== erasedAddressKey(context.services.keys, email)));
  assert.equal((await app.inject({ method: 'GET', url: `/my-data?token=${token}` })).statusCode, 404);
  assert.equal((await postForm(app, '/erase', { token })).statusCode, 404);

  await subscribeByForm(app, { email });
  const { rows: fresh } = await context.database.pool.query('SELECT status FROM subscribers WHERE lower(email) = $1', [email]);
  assert.deepEqual(fresh, [{ status: 'pending' }]);
});

test('`paperboy readers export` prints the JSON; an unknown address is said, with exit 1', async () => {
  await seedReader('cli.export@example.org');
  const exported = await runPaperboy(context, ['readers', 'export', 'CLI.Export@example.org']);
  assert.equal(exported.code, 0, exported.stderr);
  const data = JSON.parse(exported.stdout);
  assert.equal(data.reader.email, 'cli.export@example.org');
  assert.equal(data.tables.test_ratings.length, 2);
  const unknown = await runPaperboy(context, ['readers', 'export', 'nobody@example.org']);
  assert.equal(unknown.code, 1);
  assert.equal((await runPaperboy(context, ['readers', 'shred', 'x@example.org'])).code, 2);
});

test("every digest's footer links to the reader's data page (download or erase), in the HTML and the text", async () => {
  const rendered = await renderEdition(context.env, '2026-01-01', []);
  assert.ok(rendered.htmlTemplate.includes(`${UNSUBSCRIBE_PLACEHOLDER}#your-data`));
  assert.match(rendered.htmlTemplate, /Download my data or erase me/);
  assert.ok(rendered.textTemplate.includes(`Download my data or erase me:\n${UNSUBSCRIBE_PLACEHOLDER}#your-data`));
});
