// npm run bench:delivery-updates [-- --readers 300000 --workers 2 --batch 100 --first baseline|current]
//
// The Postgres side of a send, without SMTP: one edition's delivery rows created by the fan-out, then claimed
// and marked sent in batches by --workers concurrent senders, exactly the store calls the deliveries worker
// makes (claimDeliveries, recordSent). Run twice in the same run, in two databases of its own:
//   - baseline: the schema before migration 030 (fillfactor 100, the open index partial on `status`);
//   - current:  the migrated schema (fillfactor 50, the open index partial on the generated `is_open`).
// Prints per schema the time, rows/s, HOT share of the updates and the table's size after the run, and the
// ratio. Both databases are dropped at the end.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { claimDeliveries, createDeliveries, dueCandidatesPage, EVERY_READER, recordSent } from '../src/db/deliveries.ts';
import { dropDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool, type Pool } from '../src/db/pool.ts';

const { values: flags } = parseArgs({
  options: {
    readers: { type: 'string', default: '300000' },
    workers: { type: 'string', default: '2' },
    batch: { type: 'string', default: '100' },
    /** Which schema runs first (the machine may be busier at the start or the end of a run). */
    first: { type: 'string', default: 'baseline' },
  },
});
const READERS = Number(flags.readers);
const WORKERS = Number(flags.workers);
const BATCH = Number(flags.batch);
const FAN_OUT_PAGE = 1_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Migration 030 undone: what every update paid before it. */
const BASELINE_SCHEMA = [
  'ALTER TABLE deliveries RESET (fillfactor, autovacuum_vacuum_scale_factor)',
  'DROP INDEX deliveries_open_idx',
  `CREATE INDEX deliveries_open_idx ON deliveries (edition_id, id) WHERE status IN ('queued', 'sending')`,
];

interface Run {
  seconds: number;
  updates: number;
  hot: number;
  tableMb: number;
  indexesMb: number;
}

async function databaseFor(label: string): Promise<{ url: string; pool: Pool }> {
  const admin = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  admin.pathname = `/paperboy_bench_updates_${label}_${randomBytes(3).toString('hex')}`;
  const url = admin.toString();
  await migrate(url);
  return { url, pool: createPool(url, WORKERS + 1) };
}

async function measure(pool: Pool): Promise<Run> {
  await pool.query(
    `INSERT INTO subscribers (email_input, email, status, confirmed_at)
     SELECT 'reader-' || n || '@example.org', 'reader-' || n || '@example.org', 'confirmed', now() FROM generate_series(1, $1) AS n`,
    [READERS],
  );
  const edition = await pool.query<{ id: number; date: string }>(
    `INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
     VALUES (current_date, 'Edition', 'Subject', '[]', '<p>x</p>', 'x') RETURNING id, edition_date::text AS date`,
  );
  const { id: editionId, date: editionDate } = edition.rows[0]!;
  await pool.query('VACUUM ANALYZE subscribers');

  const start = process.hrtime.bigint();
  // The fan-out and the senders run together, as in a real edition: senders take batches as pages appear.
  const pending: number[][] = [];
  let fanOutDone = false;
  const fanOut = (async () => {
    let after = 0;
    for (;;) {
      const candidates = await dueCandidatesPage(pool, { afterSubscriberId: after, pageSize: FAN_OUT_PAGE, filter: EVERY_READER });
      if (candidates.length === 0) break;
      const subscriberIds = candidates.map((candidate) => candidate.id);
      const createdIds = await createDeliveries(pool, { editionId, editionDate, subscriberIds, host: 'bench.test' });
      for (let i = 0; i < createdIds.length; i += BATCH) pending.push(createdIds.slice(i, i + BATCH));
      after = subscriberIds[subscriberIds.length - 1]!;
    }
    fanOutDone = true;
  })();
  const sender = async (worker: number) => {
    for (;;) {
      const ids = pending.shift();
      if (!ids) {
        if (fanOutDone) return;
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const claimed = await claimDeliveries(pool, ids, `bench-worker-${worker}`, 300);
      const sentAt = new Date();
      await recordSent(
        pool,
        claimed.map((row) => ({ id: row.id, response: '250 2.0.0 Ok: queued as 4F2C81A0B3', sentAt })),
      );
    }
  };
  await Promise.all([fanOut, ...Array.from({ length: WORKERS }, (_, worker) => sender(worker))]);
  const seconds = since(start) / 1000;

  await pool.query('SELECT pg_stat_force_next_flush()');
  let stats = { updates: 0, hot: 0, tableMb: 0, indexesMb: 0 };
  const deadline = Date.now() + 10_000;
  // Other backends' counters reach pg_stat_user_tables when they flush (within a second of going idle).
  while (stats.updates < 2 * READERS && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { rows } = await pool.query<typeof stats>(
      `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot,
              round(pg_table_size('deliveries') / 1048576.0)::int AS "tableMb",
              round(pg_indexes_size('deliveries') / 1048576.0)::int AS "indexesMb"
         FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
    );
    stats = rows[0]!;
  }
  return { seconds, ...stats };
}

const report = (label: string, run: Run) =>
  say(
    `${label.padEnd(9)} ${run.seconds.toFixed(1).padStart(6)} s  ${Math.round(READERS / run.seconds)
      .toLocaleString('en-US')
      .padStart(7)} rows/s  ` +
      `HOT ${((100 * run.hot) / Math.max(1, run.updates)).toFixed(0).padStart(3)} % of ${run.updates.toLocaleString('en-US')} updates  ` +
      `table ${run.tableMb} MB, indexes ${run.indexesMb} MB`,
  );

const baselineDb = await databaseFor('baseline');
const currentDb = await databaseFor('current');
try {
  for (const statement of BASELINE_SCHEMA) await baselineDb.pool.query(statement);
  say(`delivery updates: ${READERS.toLocaleString('en-US')} readers, ${WORKERS} senders, batches of ${BATCH}`);
  const order = flags.first === 'current' ? (['current', 'baseline'] as const) : (['baseline', 'current'] as const);
  const runs: Partial<Record<'baseline' | 'current', Run>> = {};
  for (const label of order) {
    runs[label] = await measure((label === 'baseline' ? baselineDb : currentDb).pool);
    report(label, runs[label]);
  }
  const baseline = runs.baseline!;
  const current = runs.current!;
  say(
    `delivery-updates-bench: ${Math.round(READERS / current.seconds)} rows/s, ${(baseline.seconds / current.seconds).toFixed(2)}x baseline, ` +
      `HOT ${((100 * current.hot) / Math.max(1, current.updates)).toFixed(0)} % (baseline ${((100 * baseline.hot) / Math.max(1, baseline.updates)).toFixed(0)} %), ${READERS} readers`,
  );
} finally {
  await baselineDb.pool.end();
  await currentDb.pool.end();
  await dropDatabase(baselineDb.url);
  await dropDatabase(currentDb.url);
}
