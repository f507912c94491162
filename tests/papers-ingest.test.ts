// Loading listings into Postgres: counts, idempotence, upvote history, all-or-nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';
import { ingestListing } from '../src/papers/ingest.ts';
import { MalformedListingError, parseDailyPapers } from '../src/papers/listing.ts';
import { loadPapers } from '../src/db/papers.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const FIXTURE = readFileSync(new URL('../fixtures/daily-papers-demo.json', import.meta.url), 'utf8');
const T0 = new Date('2026-03-01T08:00:00Z');
const later = (hours: number) => new Date(T0.getTime() + hours * 3600_000);

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('papers_ingest');
});
after(() => db.drop());
beforeEach(async () => {
  await db.pool.query('TRUNCATE papers, upvote_snapshots RESTART IDENTITY CASCADE');
});

async function snapshotOf() {
  const papers = await db.pool.query('SELECT * FROM papers ORDER BY external_id');
  const snapshots = await db.pool.query('SELECT paper_id, observed_at, upvotes FROM upvote_snapshots ORDER BY paper_id, observed_at');
  return { papers: papers.rows, snapshots: snapshots.rows };
}

const entry = (id: string, upvotes: number, extra: Record<string, unknown> = {}) => ({
  paper: { id, title: `Paper ${id}`, summary: 'Abstract.', authors: [{ name: 'Ada', hidden: false }], upvotes, ...extra },
});

test('the demo fixture loads every paper of the seed page, text exactly as captured', async () => {
  const summary = await ingestListing(db.pool, FIXTURE, { observedAt: T0 });
  assert.deepEqual([summary.inserted, summary.updated, summary.rejected.length, summary.snapshots], [47, 0, 0, 47]);
  const { rows } = await db.pool.query(
    "SELECT title, abstract, authors, url, listed_at, published_at FROM papers WHERE title LIKE 'A$^2$Search%'",
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].title, 'A$^2$Search: Ambiguity-Aware Question Answering with Reinforcement Learning');
  assert.deepEqual(rows[0].authors, []);
  assert.equal(rows[0].published_at, null);
  assert.match(rows[0].url, /^https:\/\/arxiv\.org\/search\/\?searchtype=title&query=A%24%5E2%24Search/);
  const odd = await db.pool.query("SELECT count(*)::int AS n FROM papers WHERE abstract LIKE '%Milenkovi\\\\''c%' OR abstract ~ '[Θω]'");
  assert.ok(odd.rows[0].n >= 2);
  const authors = await db.pool.query<{ n: number }>("SELECT cardinality(authors) AS n FROM papers WHERE title LIKE 'carps:%'");
  assert.equal(authors.rows[0]!.n, 17);
});

test('re-ingesting the same listing changes nothing but adds an upvote snapshot', async () => {
  await ingestListing(db.pool, FIXTURE, { observedAt: T0 });
  const first = await snapshotOf();
  const again = await ingestListing(db.pool, FIXTURE, { observedAt: later(1) });
  assert.deepEqual([again.inserted, again.updated, again.rejected.length], [0, 0, 0]);
  const second = await snapshotOf();
  assert.deepEqual(second.papers, first.papers, 'papers rows are byte-for-byte the same, updated_at included');
  assert.equal(second.snapshots.length, 2 * 47);
  assert.equal(second.snapshots.filter((row) => row.observed_at.getTime() === later(1).getTime()).length, 47);
});

test('a newer upvote count updates the paper and is recorded in its history', async () => {
  await ingestListing(db.pool, JSON.stringify([entry('2601.00001', 3), entry('2601.00002', 5)]), { observedAt: T0 });
  const result = await ingestListing(db.pool, JSON.stringify([entry('2601.00001', 9), entry('2601.00002', 5)]), { observedAt: later(2) });
  assert.deepEqual([result.inserted, result.updated], [0, 1]);
  const { rows } = await db.pool.query(
    `SELECT p.external_id, p.upvotes, array_agg(s.upvotes ORDER BY s.observed_at) AS history
     FROM papers p JOIN upvote_snapshots s ON s.paper_id = p.id GROUP BY p.id ORDER BY p.external_id`,
  );
  assert.deepEqual(
    rows.map((row) => [row.external_id, row.upvotes, row.history]),
    [
      ['2601.00001', 9, [3, 9]],
      ['2601.00002', 5, [5, 5]],
    ],
  );
});

test('malformed entries are reported with their position and the valid ones load', async () => {
  const listing = [
    entry('2601.00001', 1),
    { paper: { title: 'no id' } },
    entry('2601.00003', 1, { title: undefined }),
    entry('2601.00004', 2),
  ];
  const summary = await ingestListing(db.pool, JSON.stringify(listing), { observedAt: T0 });
  assert.equal(summary.inserted, 2);
  assert.deepEqual(
    summary.rejected.map((r) => `${r.where}: ${r.reason}`),
    ['entry 2: paper.id is missing', 'entry 3: paper.title is missing'],
  );
  const { rows } = await db.pool.query('SELECT external_id FROM papers ORDER BY external_id');
  assert.deepEqual(
    rows.map((row) => row.external_id),
    ['2601.00001', '2601.00004'],
  );
});

test('a listing that is not JSON loads nothing', async () => {
  await ingestListing(db.pool, JSON.stringify([entry('2601.00001', 1)]), { observedAt: T0 });
  const before = await snapshotOf();
  await assert.rejects(
    ingestListing(db.pool, '[{"paper": {"id": "2601.00002", "title": "x"}}, {"pap', { observedAt: later(1) }),
    MalformedListingError,
  );
  assert.deepEqual(await snapshotOf(), before);
});

test('a batch that fails half-way leaves no trace (one transaction)', async () => {
  const { papers } = parseDailyPapers(JSON.stringify([entry('2601.00001', 1), entry('2601.00002', 2)]));
  // The papers upsert succeeds, then recording the snapshots fails: nothing of the batch may remain.
  await db.pool.query(`CREATE FUNCTION refuse_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'snapshot store is broken'; END $$;
    CREATE TRIGGER refuse_snapshot BEFORE INSERT ON upvote_snapshots FOR EACH ROW EXECUTE FUNCTION refuse_snapshot()`);
  try {
    await assert.rejects(loadPapers(db.pool, papers, T0), /snapshot store is broken/);
  } finally {
    await db.pool.query('DROP TRIGGER refuse_snapshot ON upvote_snapshots; DROP FUNCTION refuse_snapshot()');
  }
  assert.deepEqual(await snapshotOf(), { papers: [], snapshots: [] });
  assert.equal((await loadPapers(db.pool, papers, T0)).inserted, 2, 'and the same batch loads once the fault is gone');
});

test('a listing time, once known, is kept when a later listing omits it; a paper without one is listed when first seen', async () => {
  const listedAt = '2026-02-28T10:00:00.000Z';
  await ingestListing(db.pool, JSON.stringify([entry('2601.00001', 1, { submittedOnDailyAt: listedAt }), entry('2601.00002', 1)]), {
    observedAt: T0,
  });
  await ingestListing(db.pool, JSON.stringify([entry('2601.00001', 2), entry('2601.00002', 2)]), { observedAt: later(5) });
  const { rows } = await db.pool.query('SELECT external_id, listed_at FROM papers ORDER BY external_id');
  assert.deepEqual(
    rows.map((row) => row.listed_at.toISOString()),
    [listedAt, T0.toISOString()],
  );
});
