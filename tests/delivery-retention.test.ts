// Storage that stops growing: delivery rows are kept DELIVERY_RETENTION_DAYS, then only each edition's counts
// remain (edition_delivery_counts), and the progress an edition reports stays what it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { editionProgress } from '../src/db/deliveries.ts';
import { runDigest } from '../src/digest/digest-job.ts';
import { pruneOldDeliveries, retentionCutoff } from '../src/digest/retention.ts';
import { insertConfirmedReaders } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('delivery-retention');
});
after(() => context.close());

const READERS = 30;
const RETENTION = 30;

const addDays = (date: string, days: number) => {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
};

/** An edition of `date` with one delivery per reader, statuses varying with the day; returns its id and counts. */
async function editionWithDeliveries(date: string, day: number, open = false) {
  const { pool } = context.database;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
     VALUES ($1, 'Edition', 'Subject', '[]', '<p>x</p>', 'x') RETURNING id`,
    [date],
  );
  const editionId = rows[0]!.id;
  await pool.query(
    `INSERT INTO deliveries (edition_id, subscriber_id, status, message_id, sent_at)
     SELECT $1::bigint, s.id, CASE WHEN $3::boolean AND s.id = (SELECT min(id) FROM subscribers) THEN 'queued'
                           WHEN (s.id + $2::int) % 10 = 0 THEN 'failed' WHEN (s.id + $2::int) % 10 = 1 THEN 'skipped' ELSE 'sent' END::delivery_status,
            '<m' || $1 || '.' || s.id || '@paperboy.test>', now()
       FROM subscribers s`,
    [editionId, day, open],
  );
  return { editionId, counts: await editionProgress(pool, editionId) };
}

const deliveryRows = async () => (await context.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries')).rows[0]!.n;

test('retentionCutoff is the first day kept', () => {
  assert.equal(retentionCutoff('2026-12-01', 30), '2026-11-01');
  assert.equal(retentionCutoff('2026-03-01', 1), '2026-02-28');
});

test('40 daily editions: the table stays bounded at the retention window, every edition keeps its counts', async () => {
  const { pool } = context.database;
  await insertConfirmedReaders(pool, READERS);
  const first = '2026-01-01';
  const editions: { editionId: number; date: string; counts: Awaited<ReturnType<typeof editionProgress>> }[] = [];
  let largest = 0;
  for (let day = 0; day < 40; day += 1) {
    const date = addDays(first, day);
    // Day 3's edition still has a delivery open when it ages out: its rows are still needed.
    const made = await editionWithDeliveries(date, day, day === 3);
    editions.push({ ...made, date });
    // A small batch, so every edition takes several DELETEs.
    const pruned = await pruneOldDeliveries(pool, { today: date, retentionDays: RETENTION, batchSize: 7 });
    if (day > RETENTION && day !== 3 + RETENTION + 1) assert.equal(pruned.deleted, READERS, `day ${day} removes one edition`);
    largest = Math.max(largest, await deliveryRows());
  }
  // Kept: the editions of the last RETENTION days and today, plus day 3 (open).
  assert.ok(largest <= (RETENTION + 2) * READERS, `at most ${(RETENTION + 2) * READERS} rows at any time, saw ${largest}`);
  assert.equal(await deliveryRows(), (RETENTION + 1) * READERS + READERS);
  const day3 = editions[3]!;
  assert.equal((await editionProgress(pool, day3.editionId)).open, 1);

  // Once its last delivery is final, the next run removes it too.
  await pool.query(`UPDATE deliveries SET status = 'sent' WHERE edition_id = $1 AND status = 'queued'`, [day3.editionId]);
  const pruned = await pruneOldDeliveries(pool, { today: editions.at(-1)!.date, retentionDays: RETENTION });
  assert.deepEqual(pruned, { editions: 1, deleted: READERS });
  assert.equal(await deliveryRows(), (RETENTION + 1) * READERS);

  const { rows: summaries } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM edition_delivery_counts WHERE pruned_at IS NOT NULL',
  );
  assert.equal(summaries[0]!.n, 40 - (RETENTION + 1));
  for (const edition of editions) {
    const progress = await editionProgress(pool, edition.editionId);
    const expected = edition === day3 ? { ...edition.counts, open: 0, sent: edition.counts.sent + 1 } : edition.counts;
    assert.deepEqual(progress, expected, `${edition.date} reports the counts it had`);
    assert.equal(progress.total, READERS);
  }
  // A second run finds nothing to do.
  assert.deepEqual(await pruneOldDeliveries(pool, { today: editions.at(-1)!.date, retentionDays: RETENTION }), { editions: 0, deleted: 0 });
  // 0 keeps everything.
  assert.deepEqual(await pruneOldDeliveries(pool, { today: '2030-01-01', retentionDays: 0 }), { editions: 0, deleted: 0 });
  assert.equal(await deliveryRows(), (RETENTION + 1) * READERS);
});

test('the daily digest job removes deliveries past DELIVERY_RETENTION_DAYS, and sent papers past the window and a week, even on a day without an edition', async () => {
  const { pool } = context.database;
  const today = new Date().toISOString().slice(0, 10);
  const old = await editionWithDeliveries(addDays(today, -(context.env.DELIVERY_RETENTION_DAYS + 5)), 7);
  const recent = await editionWithDeliveries(addDays(today, -(context.env.DELIVERY_RETENTION_DAYS - 1)), 8);
  // A personal digest's papers, sent an hour either side of the last moment they could come back in a pool.
  const forgetAfterHours = context.env.TRENDING_WINDOW_HOURS + 8 * 24;
  const papers = await pool.query<{ id: number }>(
    `INSERT INTO papers (external_id, title, abstract, url, listed_at, upvotes)
     SELECT 'kept-' || n, 'Paper ' || n, 'Abstract', 'https://arxiv.org/abs/2611.0000' || n, now() - interval '30 days', 1
       FROM generate_series(1, 2) AS n RETURNING id`,
  );
  const [forgotten, remembered] = papers.rows.map((row) => row.id);
  await pool.query(
    `INSERT INTO sent_papers (subscriber_id, paper_id, sent_at)
     SELECT s.id, p.paper_id, now() - make_interval(hours => p.hours)
       FROM subscribers s, (VALUES ($1::bigint, $3::int + 1), ($2::bigint, $3::int - 1)) AS p(paper_id, hours)`,
    [forgotten, remembered, forgetAfterHours],
  );
  const result = await runDigest(context.services, { date: today, trigger: 'manual' });
  assert.equal((result as { reason?: string }).reason, 'no trending papers');
  const { rows } = await pool.query<{ editionId: number; n: number }>(
    `SELECT edition_id AS "editionId", count(*)::int AS n FROM deliveries WHERE edition_id = ANY($1) GROUP BY edition_id`,
    [[old.editionId, recent.editionId]],
  );
  assert.deepEqual(rows, [{ editionId: recent.editionId, n: READERS }]);
  assert.deepEqual(await editionProgress(pool, old.editionId), old.counts);
  const sent = await pool.query<{ paperId: number; n: number }>(
    `SELECT paper_id AS "paperId", count(*)::int AS n FROM sent_papers WHERE paper_id = ANY($1) GROUP BY paper_id`,
    [[forgotten, remembered]],
  );
  assert.deepEqual(sent.rows, [{ paperId: remembered, n: READERS }], 'only the rows that still guard a pool are kept');
});
