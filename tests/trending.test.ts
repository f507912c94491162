// What trends, on hand-made cases against a real Postgres: the SQL in src/db/sql/trending.sql.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { pickTrendingPapers, type TrendingOptions } from '../src/db/trending.ts';
import { trendingScore } from '../src/digest/trending.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const AS_OF = new Date('2026-06-01T12:00:00Z');
const hoursBefore = (hours: number) => new Date(AS_OF.getTime() - hours * 3600_000);

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('trending');
});
after(() => db.drop());
beforeEach(async () => {
  await db.pool.query('TRUNCATE papers, upvote_snapshots, editions, edition_papers RESTART IDENTITY CASCADE');
});

interface Fixture {
  id: string;
  listedHoursAgo: number;
  upvotes: number;
  /** [hours before AS_OF, upvotes then] */
  snapshots?: [number, number][];
}

async function addPapers(papers: Fixture[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const paper of papers) {
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO papers (external_id, title, abstract, authors, url, listed_at, upvotes)
       VALUES ($1, $2, 'abstract', '{Ada,Grace}', 'https://arxiv.org/abs/' || $1, $3, $4) RETURNING id`,
      [paper.id, `Paper ${paper.id}`, hoursBefore(paper.listedHoursAgo), paper.upvotes],
    );
    ids.set(paper.id, rows[0]!.id);
    for (const [hoursAgo, upvotes] of paper.snapshots ?? []) {
      await db.pool.query('INSERT INTO upvote_snapshots (paper_id, observed_at, upvotes) VALUES ($1, $2, $3)', [
        rows[0]!.id,
        hoursBefore(hoursAgo),
        upvotes,
      ]);
    }
  }
  return ids;
}

const defaults: TrendingOptions = { asOf: AS_OF, limit: 10, windowHours: 72, gravity: 1.8, velocityWeight: 2 };
const pick = async (options: Partial<TrendingOptions> = {}) => pickTrendingPapers(db.pool, { ...defaults, ...options });
const ids = async (options: Partial<TrendingOptions> = {}) => (await pick(options)).map((paper) => paper.externalId);

test('a fresh paper with a few votes beats an old one with many', async () => {
  await addPapers([
    {
      id: 'old-popular',
      listedHoursAgo: 48,
      upvotes: 60,
      snapshots: [
        [47, 40],
        [1, 60],
      ],
    },
    { id: 'fresh', listedHoursAgo: 2, upvotes: 10, snapshots: [[1, 10]] },
  ]);
  assert.deepEqual(await ids(), ['fresh', 'old-popular']);
  // Without gravity, totals decide.
  assert.deepEqual(await ids({ gravity: 0, velocityWeight: 0 }), ['old-popular', 'fresh']);
});

test('votes gained in the last 24 hours outweigh a larger but stalled total', async () => {
  await addPapers([
    {
      id: 'stalled',
      listedHoursAgo: 30,
      upvotes: 100,
      snapshots: [
        [25, 95],
        [1, 100],
      ],
    },
    {
      id: 'rising',
      listedHoursAgo: 30,
      upvotes: 40,
      snapshots: [
        [25, 0],
        [1, 40],
      ],
    },
  ]);
  const [first, second] = await pick();
  assert.equal(first!.externalId, 'rising');
  assert.equal(first!.upvotesLast24h, 40);
  assert.equal(second!.externalId, 'stalled');
  assert.equal(second!.upvotesLast24h, 5);
  // With velocity weighted 0 the total wins again: the weight is what made the difference.
  assert.deepEqual(await ids({ velocityWeight: 0 }), ['stalled', 'rising']);
});

test('a paper listed outside the window never trends, however many votes it has', async () => {
  await addPapers([
    { id: 'too-old', listedHoursAgo: 72.01, upvotes: 100_000, snapshots: [[1, 100_000]] },
    { id: 'edge', listedHoursAgo: 72, upvotes: 1 },
    { id: 'future', listedHoursAgo: -1, upvotes: 100_000 },
    { id: 'recent', listedHoursAgo: 5, upvotes: 3 },
  ]);
  assert.deepEqual(await ids(), ['recent', 'edge']);
  assert.deepEqual(await ids({ windowHours: 24 }), ['recent']);
});

test('ties break by more upvotes, then the newer listing, then the id', async () => {
  // gravity 0 and weight 1: score = upvotes + gained, so equal scores are easy to build.
  await addPapers([
    {
      id: 'b-same',
      listedHoursAgo: 30,
      upvotes: 5,
      snapshots: [
        [25, 5],
        [1, 5],
      ],
    },
    {
      id: 'a-same',
      listedHoursAgo: 30,
      upvotes: 5,
      snapshots: [
        [25, 5],
        [1, 5],
      ],
    },
    {
      id: 'newer',
      listedHoursAgo: 29,
      upvotes: 5,
      snapshots: [
        [25, 5],
        [1, 5],
      ],
    },
    {
      id: 'more-votes',
      listedHoursAgo: 40,
      upvotes: 10,
      snapshots: [
        [25, 5],
        [1, 10],
      ],
    }, // 10 + 5 gained = 15
    {
      id: 'more-gained',
      listedHoursAgo: 40,
      upvotes: 8,
      snapshots: [
        [25, 1],
        [1, 8],
      ],
    }, // 8 + 7 gained = 15
  ]);
  const ranked = await pick({ gravity: 0, velocityWeight: 1 });
  assert.deepEqual(
    ranked.map((paper) => [paper.externalId, paper.score]),
    [
      ['more-votes', 15],
      ['more-gained', 15],
      ['newer', 5],
      ['a-same', 5],
      ['b-same', 5],
    ],
  );
});

test('papers an edition already carried never come back', async () => {
  const papers = await addPapers([
    { id: 'sent-yesterday', listedHoursAgo: 20, upvotes: 500 },
    { id: 'new', listedHoursAgo: 20, upvotes: 1 },
  ]);
  await db.pool.query(
    `WITH e AS (INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
                VALUES ('2026-05-31', 't', 's', '[]', '', '') RETURNING id)
     INSERT INTO edition_papers (edition_id, paper_id, rank, score) SELECT e.id, $1, 1, 1 FROM e`,
    [papers.get('sent-yesterday')],
  );
  assert.deepEqual(await ids(), ['new']);
});

test('an older paper is credited only with the votes it was seen gaining, never its whole total', async () => {
  // Listed 40 h ago, first seen 10 h ago with 30 votes, 35 now: it gained 5, not 35.
  await addPapers([
    {
      id: 'late-seen',
      listedHoursAgo: 40,
      upvotes: 35,
      snapshots: [
        [10, 30],
        [1, 35],
      ],
    },
  ]);
  const [paper] = await pick();
  assert.equal(paper!.upvotesLast24h, 5);
  // Listed within the day: every vote it has is recent.
  await addPapers([{ id: 'today', listedHoursAgo: 10, upvotes: 12, snapshots: [[1, 12]] }]);
  assert.equal((await pick()).find((p) => p.externalId === 'today')!.upvotesLast24h, 12);
});

test('ranking as of an earlier moment uses the votes known then', async () => {
  await addPapers([
    {
      id: 'grew',
      listedHoursAgo: 30,
      upvotes: 90,
      snapshots: [
        [29, 2],
        [12, 10],
        [1, 90],
      ],
    },
  ]);
  const [then] = await pick({ asOf: hoursBefore(6) });
  assert.equal(then!.upvotes, 10);
  assert.equal(then!.upvotesLast24h, 8);
});

test('the score is the documented formula, and the result carries every field the digest shows', async () => {
  await addPapers([
    {
      id: '2510.00001',
      listedHoursAgo: 3.5,
      upvotes: 17,
      snapshots: [
        [3, 4],
        [1, 17],
      ],
    },
    {
      id: '2510.00002',
      listedHoursAgo: 50,
      upvotes: 230,
      snapshots: [
        [49, 10],
        [30, 150],
        [2, 230],
      ],
    },
    { id: '2510.00003', listedHoursAgo: 26, upvotes: 3 },
  ]);
  const ranked = await pick({ limit: 2 });
  assert.equal(ranked.length, 2);
  for (const paper of ranked) {
    const ageHours = (AS_OF.getTime() - paper.listedAt.getTime()) / 3600_000;
    assert.ok(Math.abs(paper.score - trendingScore({ ...paper, ageHours }, defaults)) < 1e-9);
    assert.equal(typeof paper.id, 'number');
    assert.equal(paper.title, `Paper ${paper.externalId}`);
    assert.deepEqual(paper.authors, ['Ada', 'Grace']);
    assert.equal(paper.url, `https://arxiv.org/abs/${paper.externalId}`);
    assert.equal(paper.codeUrl, null);
    assert.ok(paper.listedAt instanceof Date);
  }
  const older = ranked.find((p) => p.externalId === '2510.00002');
  assert.ok(older, '2510.00002 ranks in the top two');
  assert.equal(older.upvotesLast24h, 80, 'upvotes gained in the last 24 h: 230 now, 150 at the last snapshot before');
});
