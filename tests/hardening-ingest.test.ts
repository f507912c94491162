// One odd entry never fails a whole ingest (and so every scheduled fetch after it), and a real listing of the older
// API shape is read as Hugging Face means it: listed when the entry says, every author, titles on one line.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';
import { editionSubject } from '../src/digest/digest-view.ts';
import { pickTrendingPapers } from '../src/db/trending.ts';
import { ingestListing } from '../src/papers/ingest.ts';
import { FIELD_LIMITS, parseDailyPapers } from '../src/papers/listing.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const OLDER_SHAPE = readFileSync(new URL('./fixtures/daily-papers-older-shape.json', import.meta.url), 'utf8');
const T0 = new Date('2026-03-01T08:00:00Z');

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('hardening_ingest');
});
after(() => db?.drop());
beforeEach(async () => {
  await db.pool.query('TRUNCATE papers, upvote_snapshots RESTART IDENTITY CASCADE');
});

const entry = (id: string, paper: Record<string, unknown> = {}) => ({
  paper: { id, title: `Paper ${id}`, summary: 'Abstract.', authors: [{ name: 'Ada Lovelace' }], upvotes: 5, ...paper },
});

async function stored(id: string) {
  const { rows } = await db.pool.query<{ title: string; authors: string[]; upvotes: number; github_stars: number | null }>(
    'SELECT title, authors, upvotes, github_stars FROM papers WHERE external_id = $1',
    [id],
  );
  return rows[0];
}

test('odd entries are cleaned or rejected one by one, with position and reason, and the rest of the batch loads', async () => {
  const hugeTitle = 'Attention '.repeat(10_000); // 100 KB
  const listing = [
    entry('2601.00001'),
    entry('2601.00002', { title: 'Null\u0000 in a title' }),
    entry('2601.00003', { authors: [{ name: 'Ada\u0000 Lovelace' }] }),
    entry('2601.00004', { title: 'A lone \uD800surrogate', authors: [{ name: 'Grace \uDC00Hopper' }] }),
    entry('2601.00005', { upvotes: 3e9 }),
    entry('2601.00006', { githubStars: 1e12 }),
    entry('2601.00007', { publishedAt: '0000-01-01T00:00:00.000Z' }),
    entry('2601.00008', { submittedOnDailyAt: '+275760-09-13T00:00:00.000Z' }),
    entry('2601.00009', { title: hugeTitle }),
    entry('2601.00010', { title: 'Safe \u202Egnp.exe\u202C title', authors: [{ name: '\u202EeciffO\u202C Bob' }] }),
    entry('2601.00011'),
  ];
  const summary = await ingestListing(db.pool, JSON.stringify(listing), { observedAt: T0 });

  assert.deepEqual(summary.rejected, [
    { position: 7, where: 'entry 7', reason: 'paper.publishedAt must be a date between the years 1900 and 9999' },
    { position: 8, where: 'entry 8', reason: 'paper.submittedOnDailyAt must be a date between the years 1900 and 9999' },
  ]);
  assert.equal(summary.inserted, 9, 'every other entry is stored');
  assert.equal((await stored('2601.00002'))!.title, 'Null in a title', 'NUL is stripped');
  assert.deepEqual((await stored('2601.00003'))!.authors, ['Ada Lovelace']);
  assert.equal((await stored('2601.00004'))!.title, 'A lone surrogate', 'lone surrogates are stripped');
  assert.deepEqual((await stored('2601.00004'))!.authors, ['Grace Hopper']);
  assert.equal((await stored('2601.00005'))!.upvotes, 2 ** 31 - 1, 'counts are clamped to what a column holds');
  assert.equal((await stored('2601.00006'))!.github_stars, 2 ** 31 - 1);
  const capped = (await stored('2601.00009'))!.title;
  assert.equal(capped.length, FIELD_LIMITS.title, 'an over-long title is capped');
  assert.ok(capped.endsWith('…'));
  assert.equal((await stored('2601.00010'))!.title, 'Safe gnp.exe title', 'bidirectional overrides are removed from titles');
  assert.deepEqual((await stored('2601.00010'))!.authors, ['eciffO Bob'], 'and from names');

  // The next scheduled fetch is not blocked: the same listing loads again.
  const again = await ingestListing(db.pool, JSON.stringify(listing), { observedAt: new Date(T0.getTime() + 3600_000) });
  assert.equal(again.rejected.length, 2);
  assert.equal(again.snapshots, 9);
});

test('a Subject line never carries a bidirectional override, even from a title stored before cleaning', () => {
  const paper = { rank: 1, title: 'Harmless \u202Etxt.exe\u202C', upvotes: 1 } as Parameters<typeof editionSubject>[1][number];
  const subject = editionSubject('2026-03-01', [paper]);
  assert.doesNotMatch(subject, /[\u202A-\u202E\u2066-\u2069]/);
  assert.match(subject, /Harmless txt\.exe/);
});

test('the older API shape: listed when the entry was published, hidden authors kept, arXiv line folds collapsed', () => {
  const { papers, rejected } = parseDailyPapers(OLDER_SHAPE);
  const raw = JSON.parse(OLDER_SHAPE) as { publishedAt: string; paper: { id: string; publishedAt: string } }[];
  assert.deepEqual(rejected, []);
  assert.equal(papers.length, raw.length);
  for (const [index, paper] of papers.entries()) {
    assert.equal(paper.listedAt!.toISOString(), raw[index]!.publishedAt, `${paper.externalId} is dated by its listing`);
    assert.equal(paper.publishedAt!.toISOString(), raw[index]!.paper.publishedAt, 'the arXiv date stays the publication date');
    assert.doesNotMatch(paper.title, /\s{2}|\n/, 'one line');
  }
  const first = papers[0]!;
  assert.equal(first.title, 'Scaling Laws for Sparse Mixture-of-Experts under a Fixed Compute Budget');
  assert.deepEqual(first.authors, ['Lena Hofmann', 'Rui Chen', 'Omar Haddad'], 'the first author, hidden on Hugging Face, is kept');
  assert.deepEqual(papers[5]!.authors, ['Diego Alvarez', 'Yuki Tanaka']);
});

test('the older API shape: that day’s most upvoted papers trend, not fall out of the window by their arXiv dates', async () => {
  await ingestListing(db.pool, OLDER_SHAPE, { observedAt: new Date('2025-06-12T09:00:00Z') });
  const trending = await pickTrendingPapers(db.pool, {
    asOf: new Date('2025-06-12T12:00:00Z'),
    limit: 3,
    windowHours: 72,
    gravity: 1.8,
    velocityWeight: 2,
  });
  assert.deepEqual(
    trending.map((paper) => [paper.externalId, paper.upvotes]),
    [
      ['2506.08001', 64],
      ['2506.07742', 41],
      ['2506.09513', 23],
    ],
  );
});
