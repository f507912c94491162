// npm run bench:trending [-- --papers 100000 --snapshots 1000000 --runs 50 --keep]
//
// Generates papers and upvote snapshots in a database of its own (set-based INSERT … SELECT FROM
// generate_series, indexes built after the load), then times pickTrendingPapers — the query the digest
// runs — against a naive baseline in the same run: the same ranking with velocity computed by aggregating
// the whole snapshot table (no per-candidate index lookups). Prints EXPLAIN (ANALYZE, BUFFERS) of both.
// The database is dropped at the end unless --keep.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { dropDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { loadQueries } from '../src/db/queries.ts';
import { pickTrendingPapers, type TrendingOptions } from '../src/db/trending.ts';

const { values: flags } = parseArgs({
  options: {
    papers: { type: 'string', default: '1000000' },
    snapshots: { type: 'string', default: '10000000' },
    /** Papers are listed evenly over this many days before asOf: 1M over 2,000 days is 500 a day, 1,500 in a
     *  72 h window — about ten times what Daily Papers lists (30–100 a day). --days 1000 doubles the density. */
    days: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const PAPERS = Number(flags.papers);
const SNAPSHOTS = Number(flags.snapshots);
const DAYS = Number(flags.days);
const RUNS = Number(flags.runs);
const perPaper = Math.max(1, Math.round(SNAPSHOTS / PAPERS));

const admin = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
admin.pathname = `/paperboy_bench_trending_${randomBytes(3).toString('hex')}`;
const url = admin.toString();

const say = (line: string) => process.stdout.write(`${line}\n`);
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

// The naive way: velocity from whole-table aggregates (DISTINCT ON over every snapshot), then rank.
// Same semantics as src/db/sql/trending.sql, so both must return the same ten papers.
const BASELINE = `
WITH now_snap AS (
  SELECT DISTINCT ON (paper_id) paper_id, upvotes FROM upvote_snapshots
  WHERE observed_at <= $1 ORDER BY paper_id, observed_at DESC
), day_ago AS (
  SELECT DISTINCT ON (paper_id) paper_id, upvotes FROM upvote_snapshots
  WHERE observed_at <= $1::timestamptz - interval '24 hours' ORDER BY paper_id, observed_at DESC
), first_seen AS (
  SELECT DISTINCT ON (paper_id) paper_id, upvotes FROM upvote_snapshots
  WHERE observed_at > $1::timestamptz - interval '24 hours' AND observed_at <= $1 ORDER BY paper_id, observed_at
), measured AS (
  SELECT p.id, p.external_id, p.listed_at, COALESCE(n.upvotes, p.upvotes) AS upvotes,
         GREATEST(0, COALESCE(n.upvotes, p.upvotes) - COALESCE(d.upvotes,
           CASE WHEN p.listed_at > $1::timestamptz - interval '24 hours' THEN 0 ELSE f.upvotes END,
           COALESCE(n.upvotes, p.upvotes))) AS gained,
         extract(epoch FROM $1::timestamptz - p.listed_at) / 3600.0 AS age_hours
  FROM papers p
  LEFT JOIN now_snap n ON n.paper_id = p.id
  LEFT JOIN day_ago d ON d.paper_id = p.id
  LEFT JOIN first_seen f ON f.paper_id = p.id
  WHERE NOT EXISTS (SELECT 1 FROM edition_papers ep WHERE ep.paper_id = p.id)
)
SELECT id, (upvotes + $4::float8 * gained) / power(age_hours + 2, $3::float8) AS score
FROM measured
WHERE listed_at >= $1::timestamptz - $2::float8 * interval '1 hour' AND listed_at <= $1
ORDER BY score DESC, upvotes DESC, listed_at DESC, external_id
LIMIT $5`;

async function generate(pool: ReturnType<typeof createPool>, asOf: Date): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'; SELECT setseed(0.42)");
    // Indexes and constraints are built once after the load, not maintained row by row.
    // Each is recreated from its own definition, so the bench measures whatever the migrations built.
    const { rows: definitions } = await client.query<{ statement: string }>(
      `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS statement
       FROM pg_constraint WHERE conrelid IN ('papers'::regclass, 'upvote_snapshots'::regclass) AND contype IN ('p', 'u', 'f')
         AND conname <> 'papers_pkey'
       UNION ALL SELECT pg_get_indexdef('papers_listed_at_idx'::regclass)`,
    );
    await client.query(`ALTER TABLE upvote_snapshots DROP CONSTRAINT upvote_snapshots_pkey, DROP CONSTRAINT upvote_snapshots_paper_id_fkey;
      DROP INDEX papers_listed_at_idx; ALTER TABLE papers DROP CONSTRAINT papers_external_id_key`);
    let start = process.hrtime.bigint();
    // Listed evenly (plus jitter) over DAYS before asOf, oldest first; upvotes skewed like real ones.
    await client.query(
      `INSERT INTO papers (external_id, title, abstract, url, listed_at, published_at, upvotes)
       SELECT 'bench-' || g, 'Bench paper ' || g, 'An abstract.', 'https://arxiv.org/abs/bench-' || g,
              $1::timestamptz - (($2::bigint - g) * $3::float8 + random()) * interval '1 second',
              $1::timestamptz - (($2::bigint - g) * $3::float8 + 86400 * 3) * interval '1 second',
              floor(power(random(), 4) * 400)::int
       FROM generate_series(1, $2::bigint) AS g`,
      [asOf, PAPERS, (DAYS * 86400) / PAPERS],
    );
    say(`generated ${PAPERS} papers in ${(since(start) / 1000).toFixed(1)} s`);
    start = process.hrtime.bigint();
    // perPaper snapshots per paper, 8 h apart from its listing, the count growing to today's total.
    // Papers listed too recently for that get theirs squeezed into the last seconds before asOf.
    await client.query(
      `INSERT INTO upvote_snapshots (paper_id, observed_at, upvotes)
       SELECT p.id, LEAST(p.listed_at + k * interval '8 hours', $1::timestamptz - ($2::int - 1 - k) * interval '1 second'),
              (p.upvotes * (k + 1)) / $2::int
       FROM papers p CROSS JOIN generate_series(0, $2::int - 1) AS k`,
      [asOf, perPaper],
    );
    say(`generated snapshots in ${(since(start) / 1000).toFixed(1)} s`);
    start = process.hrtime.bigint();
    // Unique keys before the foreign key that needs them.
    for (const { statement } of definitions.sort(
      (a, b) => Number(a.statement.includes('FOREIGN')) - Number(b.statement.includes('FOREIGN')),
    )) {
      await client.query(statement);
    }
    // Yesterday's edition carried the ten best of the window: they must not come back.
    await client.query(
      `WITH e AS (INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
                  VALUES (($1::timestamptz - interval '1 day')::date, 'bench', 'bench', '[]', '', '') RETURNING id)
       INSERT INTO edition_papers (edition_id, paper_id, rank, score)
       SELECT e.id, p.id, row_number() OVER (ORDER BY p.upvotes DESC, p.id), 0
       FROM e, (SELECT id, upvotes FROM papers WHERE listed_at BETWEEN $1::timestamptz - interval '48 hours' AND $1
                ORDER BY upvotes DESC, id LIMIT 10) p`,
      [asOf],
    );
    for (const table of ['papers', 'upvote_snapshots', 'edition_papers']) await client.query(`VACUUM ANALYZE ${table}`);
    say(`built indexes and vacuumed in ${(since(start) / 1000).toFixed(1)} s`);
  } finally {
    client.release();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  await migrate(url);
  const pool = createPool(url, 2);
  try {
    const asOf = new Date();
    say(`trending-bench: ${PAPERS} papers over ${DAYS} days, ${perPaper} snapshots each, database ${url}${flags.keep ? ' (kept)' : ''}`);
    await generate(pool, asOf);
    const { rows: counts } = await pool.query<{ papers: number; snapshots: number; candidates: number }>(
      `SELECT (SELECT count(*) FROM papers) AS papers, (SELECT count(*) FROM upvote_snapshots) AS snapshots,
              (SELECT count(*) FROM papers WHERE listed_at >= $1::timestamptz - interval '72 hours' AND listed_at <= $1) AS candidates`,
      [asOf],
    );
    const { papers, snapshots, candidates } = counts[0]!;
    say(`loaded ${papers} papers, ${snapshots} snapshots; ${candidates} papers in the 72 h window`);

    const options: TrendingOptions = { asOf, limit: 10, windowHours: 72, gravity: 1.8, velocityWeight: 2 };
    const params = [options.asOf, options.windowHours, options.gravity, options.velocityWeight, options.limit];
    const trendingSql = loadQueries('trending.sql', ['pick-trending-papers'])['pick-trending-papers'];

    for (let i = 0; i < 5; i++) await pickTrendingPapers(pool, options); // warm the cache
    const timings: number[] = [];
    let top: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      const result = await pickTrendingPapers(pool, options);
      timings.push(since(start));
      top = result.map((paper) => paper.id);
    }
    timings.sort((a, b) => a - b);
    const median = percentile(timings, 50);

    const baselineTimings: number[] = [];
    let baselineTop: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      const { rows } = await pool.query<{ id: number }>(BASELINE, params);
      baselineTimings.push(since(start));
      baselineTop = rows.map((row) => row.id);
    }
    baselineTimings.sort((a, b) => a - b);
    const baseline = percentile(baselineTimings, 50);

    // The product's query also takes whether demo papers may trend ($6, src/db/trending.ts); the baseline does not.
    const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${trendingSql}`, [...params, true]);
    say('\nEXPLAIN (ANALYZE, BUFFERS) pick-trending-papers:');
    for (const row of plan.rows) say(row['QUERY PLAN']);
    const baselinePlan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${BASELINE}`, params);
    say('\nEXPLAIN (ANALYZE, BUFFERS) baseline:');
    for (const row of baselinePlan.rows) say(row['QUERY PLAN']);

    say('');
    say(
      `pick-trending-papers (top 10, ${RUNS} runs): median ${median.toFixed(2)} ms, p95 ${percentile(timings, 95).toFixed(2)} ms, max ${timings.at(-1)!.toFixed(2)} ms`,
    );
    say(`baseline (whole-table snapshot aggregates, 3 runs): median ${baseline.toFixed(0)} ms`);
    say(`ratio: ${(baseline / median).toFixed(0)}x faster than the baseline`);
    say(`same top 10 as the baseline: ${JSON.stringify(top) === JSON.stringify(baselineTop) ? 'yes' : `NO (${top} vs ${baselineTop})`}`);
    say(`total bench time ${(since(began) / 1000).toFixed(0)} s`);
    say(`trending-bench: top-10 in ${median.toFixed(2)} ms over ${papers} papers and ${snapshots} snapshots`);
    if (JSON.stringify(top) !== JSON.stringify(baselineTop)) process.exitCode = 1;
  } finally {
    await pool.end();
    if (!flags.keep) await dropDatabase(url);
  }
}

await main();
