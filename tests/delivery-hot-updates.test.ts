// The claim of a delivery ('queued' → 'sending') is a HOT update: it writes a new heap version on the same page
// and no index entry, so a million readers do not write a million entries into every index twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  claimDeliveries,
  createDeliveries,
  dueCandidatesPage,
  EVERY_READER,
  openDeliveriesPage,
  recordSent,
} from '../src/db/deliveries.ts';
import type { Pool } from '../src/db/pool.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { insertConfirmedReaders, waitFor } from './support/digest.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('delivery-hot-updates');
});
after(() => database.drop());

const READERS = 2_000;
const BATCH = 100;

interface UpdateCounts {
  updates: number;
  hot: number;
}

/** The table's update counters; another backend's counts reach them when it flushes (≤ 1 s after it idles). */
async function updateCounts(pool: Pool): Promise<UpdateCounts> {
  const { rows } = await pool.query<UpdateCounts>(
    `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
  );
  return rows[0]!;
}

test('claims are HOT updates and the open index follows them', async () => {
  const { pool } = database;
  await insertConfirmedReaders(pool, READERS);
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
     VALUES (current_date, 'Edition', 'Subject', '[]', '<p>x</p>', 'x') RETURNING id`,
  );
  const editionId = rows[0]!.id;
  const candidates = await dueCandidatesPage(pool, { afterSubscriberId: 0, pageSize: READERS, filter: EVERY_READER });
  const createdIds = await createDeliveries(pool, {
    editionId,
    editionDate: '2026-12-01',
    subscriberIds: candidates.map((candidate) => candidate.id),
    host: 'paperboy.test',
  });
  assert.equal(createdIds.length, READERS);

  // As the senders do: each batch of 100 is claimed in one statement, then marked sent in one statement.
  for (let start = 0; start < READERS; start += BATCH) {
    const ids = createdIds.slice(start, start + BATCH);
    const claimed = await claimDeliveries(pool, ids, 'worker-1', 300);
    assert.equal(claimed.length, ids.length);
    if (start === 0) {
      // The open index still finds claimed rows (is_open covers 'sending'), and not the finished ones.
      assert.deepEqual((await openDeliveriesPage(pool, editionId, 0, BATCH)).length, BATCH);
    }
    await recordSent(
      pool,
      ids.slice(0, ids.length / 2).map((id) => ({ id, response: '250 2.0.0 Ok', sentAt: new Date() })),
    );
    await recordSent(
      pool,
      ids.slice(ids.length / 2).map((id) => ({ id, response: '250 2.0.0 Ok', sentAt: new Date() })),
    );
  }
  assert.deepEqual(await openDeliveriesPage(pool, editionId, 0, BATCH), [], 'every row sent: nothing open');

  await pool.query('SELECT pg_stat_force_next_flush()');
  const counts = await waitFor(async () => {
    const now = await updateCounts(pool);
    return now.updates >= 2 * READERS && now;
  }, 'the update counters to reach the table');
  assert.equal(counts.updates, 2 * READERS);
  // Before migration 030 no update was HOT (n_tup_hot_upd = 0): `status` was in the open index's predicate.
  // Now the claims are (most of the first update per row); the 'sent' update leaves the open index and cannot be.
  assert.ok(counts.hot >= 0.35 * counts.updates, `HOT updates ${counts.hot} of ${counts.updates}`);
});
