// `npm run bench:digest -- --subscribers 100000`: seeds readers, builds today's edition (today in DIGEST_TZ)
// and sends it through the real worker path (`paperboy worker` processes) to an SMTP sink in a second process,
// twice in the same run: DKIM on (an RSA-2048 key made in the run, read from a file as DKIM_PRIVATE_KEY) and
// DKIM off. Then Postfix's smtp-source against the same sink (when installed: same message size, same session
// count) and the naive way (MJML per recipient, Nodemailer building each MIME message, one SMTP connection, one
// INSERT per delivery) on a sample. Its own database, queue prefixes and Redis server, all removed afterwards.
// Fails within 30 s, with one line, when no delivery is created or nothing progresses.
//   --subscribers N (20000)  --workers W (one per core)  --batch-size B (100)  --connections C (8)  --naive-sample S (2000)
//   --personal P (0): then a third phase, DKIM on, with a share P of the readers having ratings and topics (their own
//   list, order and why lines from a pool of 50), compared with the shared 'dkim on' phase of the same run.
//   --dkim both|on|off (both)  --naive-sample 0 skips the baseline
//   --reference R (0): each phase first with R of the readers, then with all, in the same run; the last line adds
//   the full run's rate over the reference's and the RSS difference (issue #14: -- --subscribers 1000000
//   --reference 100000). The progress is watched through the sink, never a count over the deliveries.
//   --dist: the workers run the compiled dist/ (npm run build first; refused when stale), as production does.
//   --node-options=O: the workers' NODE_OPTIONS (default: the Dockerfile's, as the image runs them; --node-options= for none).
//   BENCH_PROFILE_DIR=dir writes a CPU profile of each worker there. BENCH_REDIS_URL uses that Redis instead of
//   starting one (command counts then include everyone else's).
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { parseEnv } from '../src/config/env.ts';
import { dropDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { dateIn } from '../src/digest/calendar.ts';
import { digestJobId, enqueueDigest } from '../src/digest/digest-job.ts';
import type { EditionPaper } from '../src/digest/digest-view.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { readerLinks } from '../src/digest/send-deliveries.ts';
import { SLOT_PATTERN } from '../src/mail/digest-message.ts';
import { createRedis } from '../src/queue/connection.ts';
import { closeQueues, createQueues } from '../src/queue/queues.ts';
import { deriveKeys } from '../src/security/keys.ts';
import { unsubscribeUrl } from '../src/subscriptions/links.ts';
import { imageNodeOptions } from '../tests/support/image-node-options.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '20000' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '100' },
    connections: { type: 'string', default: '8' },
    'naive-sample': { type: 'string', default: '2000' },
    personal: { type: 'string', default: '0' },
    // Which phases: both (the default), or only 'on' or 'off' (a long run at a million readers).
    dkim: { type: 'string', default: 'both' },
    // Run each phase first with this many of the readers, then with all of them: the rate and RSS at full size
    // against a smaller list, on the same machine in the same run (issue #14: 1,000,000 against 100,000).
    reference: { type: 'string', default: '0' },
    // Workers run the compiled dist/ (what production and the Docker image run; `npm run build` first) instead
    // of the TypeScript sources through tsx, whose loader alone is ~180 MB of each worker's RSS.
    dist: { type: 'boolean', default: false },
    // NODE_OPTIONS for the workers; by default the Docker image's (its `ENV NODE_OPTIONS=` line), so the bench
    // measures the heap the image runs with. --node-options= runs them with V8's defaults.
    'node-options': { type: 'string' },
  },
});
const DKIM_PHASES = values.dkim === 'both' ? ['on', 'off'] : [values.dkim];
if (!DKIM_PHASES.every((phase) => phase === 'on' || phase === 'off')) throw new Error('--dkim is both, on or off');
const REFERENCE = Number(values.reference);
const PERSONAL = Number(values.personal);
if (!(PERSONAL >= 0 && PERSONAL <= 1)) throw new Error('--personal is a share of the readers, 0 to 1');
// The personal phase signs (DKIM on), so it is compared with the shared 'dkim on' phase and needs it.
if (PERSONAL > 0 && !DKIM_PHASES.includes('on')) throw new Error('--personal is compared with the dkim on phase: not with --dkim off');
const SUBSCRIBERS = Number(values.subscribers);
const WORKERS = Number(values.workers);
const BATCH = Number(values['batch-size']);
const CONNECTIONS = Number(values.connections);
const NAIVE_SAMPLE = Math.min(Number(values['naive-sample']), SUBSCRIBERS);
if (!(Number.isInteger(REFERENCE) && REFERENCE >= 0 && REFERENCE < SUBSCRIBERS))
  throw new Error('--reference is a number of readers below --subscribers');

const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const DIST = values.dist;
if (DIST) {
  // A stale build would measure yesterday's code: every source must be older than its compiled file.
  const built = fileURLToPath(new URL('../dist/', import.meta.url));
  const sources = fileURLToPath(new URL('../src/', import.meta.url));
  for (const file of readdirSync(sources, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
    const compiled = join(built, file.replace(/\.ts$/, '.js'));
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(sources, file)).mtimeMs)
      throw new Error(`--dist: ${compiled} is missing or older than src/${file}; run npm run build first`);
  }
}
const WORKER_NODE_OPTIONS = values['node-options'] ?? imageNodeOptions();
const SINK = fileURLToPath(new URL('./smtp-sink.ts', import.meta.url));
const ADMIN_URL = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const DATABASE_URL = Object.assign(new URL(ADMIN_URL), { pathname: `/paperboy_bench_digest_${randomBytes(3).toString('hex')}` }).toString();
const RUN = randomBytes(3).toString('hex');
const SECRET = 'bench-secret-key-that-is-long-enough-0123456789';
const DIGEST_TZ = process.env.DIGEST_TZ ?? 'UTC';
// Today in the digest's zone: the papers below are listed hours ago, so they trend today.
// BENCH_EDITION_DATE overrides it (a date nothing trends for shows the failure line).
const EDITION_DATE = process.env.BENCH_EDITION_DATE ?? dateIn(DIGEST_TZ);
/** No delivery this long after the trigger, or no progress this long: the bench fails with one line. */
const STALL_MS = 30_000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Resident set of a process, in MB: its peak so far (VmHWM) or now (VmRSS). */
function peakRssMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** CPU time (user + system) a process has used so far, in seconds: comparable even on a busy machine. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

class BenchFailure extends Error {}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Redis of the bench's own (no persistence), so its command counts are the bench's alone. */
async function startRedis(): Promise<{ url: string; child?: ChildProcess }> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = createRedis(url, { lazyConnect: true });
  for (let attempt = 0; ; attempt += 1) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await sleep(100);
    }
  }
  probe.disconnect();
  return { url, child };
}

interface SinkCounts {
  received: number;
  bytes: number;
}

async function startSink(): Promise<{ port: number; child: ChildProcess; count(): Promise<SinkCounts> }> {
  const child = fork(SINK, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
  return {
    port,
    child,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (message: SinkCounts) => resolve(message));
        child.send({ type: 'count' });
      }),
  };
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, CLI, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(DIST ? {} : { PAPERBOY_SOURCE: '1' }),
      ...(WORKER_NODE_OPTIONS ? { NODE_OPTIONS: WORKER_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('workers ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out.slice(-2000)}`)));
  });
}

/** Topics for the personal readers' tastes, one per paper title and in no abstract: each reader's list really differs. */
const TOPICS = ['diffusion', 'reinforcement', 'retrieval', 'graph', 'protein'];

/** The edition's ten papers, then forty more for the pool (DIGEST_POOL_SIZE 50) personal digests choose from. */
function benchPapers(): { title: string; abstract: string; authors: string[]; url: string; code: string | null; upvotes: number }[] {
  return Array.from({ length: 50 }, (_, index) => ({
    title: `Scaling sparse ${TOPICS[index % TOPICS.length]} transformers to ${index + 2}0 trillion tokens with stable training`,
    abstract:
      `We present a method for $\\mathcal{O}(n \\log n)$ attention with provable bounds ($\\epsilon < 10^{-3}$). ` +
      'Experiments on language, vision and speech benchmarks show consistent gains over strong baselines. '.repeat(8),
    authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Kurt Gödel', 'Emmy Noether', 'John von Neumann'],
    url: `https://arxiv.org/abs/2611.${String(10000 + index)}`,
    code: index % 2 === 0 ? `https://github.com/example/paper-${index}` : null,
    upvotes: 400 - index * 7,
  }));
}

interface PhaseResult {
  sent: number;
  seconds: number;
  rate: number;
  peakMb: number;
  /** Each worker's peak and its RSS when the last delivery was final: a peak well above the end is transient. */
  workersMb: { peak: number; end: number }[];
  workerCpuPerEmailUs: number;
  sinkCpuPerEmailUs: number;
  meanBytes: number;
  /** Per 1,000 emails: Postgres transactions (each autocommit statement is one) and rows written; Redis commands. */
  perThousand: { pgTransactions: number; rowsInserted: number; rowsUpdated: number; rowsDeleted: number; redisCommands: number };
}

type Pool = ReturnType<typeof createPool>;
type RedisClient = ReturnType<typeof createRedis>;

async function databaseCounters(pool: Pool): Promise<{ transactions: number; inserted: number; updated: number; deleted: number }> {
  // The statistics collector lags by up to a second; the bench waits for it before reading (see runPhase).
  const { rows } = await pool.query<{ transactions: string; inserted: string; updated: string; deleted: string }>(
    `SELECT xact_commit + xact_rollback AS transactions, tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  const row = rows[0]!;
  return {
    transactions: Number(row.transactions),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    deleted: Number(row.deleted),
  };
}

async function redisCommands(redis: RedisClient): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

/** One pipeline run: fresh deliveries, fresh queue prefix, `paperboy worker` processes with `extraEnv`. */
async function runPhase(
  label: string,
  context: {
    pool: Pool;
    redis: RedisClient;
    redisUrl: string;
    ownRedis: boolean;
    sink: Awaited<ReturnType<typeof startSink>>;
    workers: ChildProcess[];
  },
  extraEnv: Record<string, string>,
  readers: number,
): Promise<PhaseResult> {
  const { pool, redis, sink, workers } = context;
  const prefix = `pbbench-digest-${RUN}-${label.replace(/\W+/g, '-')}`;
  await pool.query('TRUNCATE deliveries, sent_papers');
  await pool.query('DELETE FROM editions');
  await pool.query('VACUUM ANALYZE deliveries');
  const workerEnv = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL,
    REDIS_URL: context.redisUrl,
    QUEUE_PREFIX: prefix,
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
    SECRET_KEY: SECRET,
    PUBLIC_URL: 'https://paperboy.example',
    MAIL_FROM: 'Paperboy <digest@paperboy.example>',
    DELIVERY_BATCH_SIZE: String(BATCH),
    DIGEST_CRON: '0 7 1 1 *',
    DIGEST_TZ,
    DIGEST_POOL_SIZE: '50',
    ...extraEnv,
  };
  const started0 = workers.length;
  workers.push(...(await Promise.all(Array.from({ length: WORKERS }, () => startWorker(workerEnv)))));
  const mine = workers.slice(started0);
  const queues = createQueues(redis, prefix);
  try {
    await sleep(1_000); // let the statistics collector settle before the first reading
    const dbAtStart = await databaseCounters(pool);
    const redisAtStart = await redisCommands(redis);
    const sinkAtStart = await sink.count();
    const workerCpuAtStart = mine.reduce((sum, worker) => sum + cpuSeconds(worker.pid!), 0);
    const sinkCpuAtStart = cpuSeconds(sink.child.pid!);
    const started = Date.now();
    // The real path: the same job the scheduler and `paperboy digest` add.
    await enqueueDigest(queues, EDITION_DATE);
    let peak = 0;
    let lastLog = started;
    let lastProgress = started;
    let lastReceived = -1;
    let polls = 0;
    // Watching must not cost what it measures: a count over the deliveries every 250 ms is a scan of up to a
    // million rows four times a second. The sink's count (no database) shows progress; the table is counted
    // only when the sink has every message, or when nothing moved for a while.
    for (;;) {
      await sleep(250);
      for (const worker of mine) peak = Math.max(peak, peakRssMb(worker.pid!));
      const received = (await sink.count()).received - sinkAtStart.received;
      const now = Date.now();
      if (received !== lastReceived) {
        lastReceived = received;
        lastProgress = now;
      }
      if (now - lastLog > 5_000) {
        lastLog = now;
        log(`  … ${label}: ${fmt(received)} received by the sink, ${fmt((received * 1000) / (now - started))} emails/s`);
      }
      const stalled = now - lastProgress > STALL_MS;
      if (received === 0 && (polls % 4 === 0 || stalled)) {
        polls += 1;
        const { rows } = await pool.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM deliveries) AS any');
        if (!rows[0]!.any) {
          // No rows yet: a digest job that already ended without an edition, or 30 s of nothing, ends the bench.
          const job = await queues.digest.getJob(digestJobId(EDITION_DATE));
          const state = job ? await job.getState() : 'missing';
          const ended =
            state === 'failed' ||
            (state === 'completed' && (job?.returnvalue as { editionId?: number | null } | undefined)?.editionId === null);
          if (ended || stalled) {
            const detail = job?.failedReason ?? (job?.returnvalue ? JSON.stringify(job.returnvalue) : '');
            throw new BenchFailure(
              `no delivery created ${fmt((now - started) / 1000, 1)} s after the trigger for edition ${EDITION_DATE} (${DIGEST_TZ}); digest job ${state}${detail ? `: ${detail}` : ''}`,
            );
          }
          continue;
        }
      }
      if (received < readers && !stalled) continue;
      polls += 1;
      const { rows } = await pool.query<{ total: number; open: number; sent: number; last: Date | null }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE is_open)::int AS open,
                count(*) FILTER (WHERE status = 'sent')::int AS sent, max(sent_at) AS last
           FROM deliveries`,
      );
      const row = rows[0]!;
      if (row.total === readers && row.open === 0) {
        const seconds = (row.last!.getTime() - started) / 1000;
        const workerCpu = mine.reduce((sum, worker) => sum + cpuSeconds(worker.pid!), 0) - workerCpuAtStart;
        const sinkCpu = cpuSeconds(sink.child.pid!) - sinkCpuAtStart;
        const workersMb = mine.map((worker) => ({ peak: peakRssMb(worker.pid!), end: peakRssMb(worker.pid!, 'VmRSS') }));
        const counts = await sink.count();
        const redisUsed = (await redisCommands(redis)) - redisAtStart;
        await stopWorkers(mine);
        await sleep(1_000);
        const db = await databaseCounters(pool);
        const per = (value: number) => (value * 1000) / row.sent;
        const receivedAll = counts.received - sinkAtStart.received;
        return {
          sent: row.sent,
          seconds,
          rate: row.sent / seconds,
          peakMb: peak,
          workersMb,
          workerCpuPerEmailUs: (workerCpu * 1e6) / row.sent,
          sinkCpuPerEmailUs: (sinkCpu * 1e6) / row.sent,
          meanBytes: (counts.bytes - sinkAtStart.bytes) / Math.max(1, receivedAll),
          perThousand: {
            // Minus the bench's own polling and counter reads.
            pgTransactions: per(db.transactions - dbAtStart.transactions - polls - 2),
            rowsInserted: per(db.inserted - dbAtStart.inserted),
            rowsUpdated: per(db.updated - dbAtStart.updated),
            rowsDeleted: per(db.deleted - dbAtStart.deleted),
            redisCommands: per(redisUsed),
          },
        };
      }
      if (stalled)
        throw new BenchFailure(
          `nothing progressed for ${STALL_MS / 1000} s (${label}): ${row.sent} sent, ${row.open} open of ${row.total}`,
        );
    }
  } finally {
    await stopWorkers(mine);
    await closeQueues(queues);
    if (!context.ownRedis) await clearPrefix(redis, prefix);
  }
}

async function clearPrefix(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

function reportPhase(label: string, result: PhaseResult): void {
  const p = result.perThousand;
  log(`${label}: ${fmt(result.sent)} sent in ${fmt(result.seconds, 2)} s to the last delivery = ${fmt(result.rate)} emails/s end-to-end`);
  const each = result.workersMb.map((worker) => `${fmt(worker.peak, 1)}/${fmt(worker.end, 1)}`).join(', ');
  log(
    `          worker peak RSS ${fmt(result.peakMb, 1)} MB (each peak/at the end: ${each}); mean message ${fmt(result.meanBytes / 1024, 1)} KB`,
  );
  log(
    `          CPU per email: workers ${fmt(result.workerCpuPerEmailUs)} µs, sink ${fmt(result.sinkCpuPerEmailUs)} µs ` +
      `(${fmt(1e6 / result.workerCpuPerEmailUs)} emails per worker CPU-second)`,
  );
  log(
    `          per 1,000 emails: ${fmt(p.pgTransactions)} Postgres transactions, rows ${fmt(p.rowsInserted)} inserted / ` +
      `${fmt(p.rowsUpdated)} updated / ${fmt(p.rowsDeleted)} deleted; ${fmt(p.redisCommands)} Redis commands`,
  );
}

/** Postfix's smtp-source against the same sink: the SMTP ceiling of this machine, same size and sessions. */
function smtpSource(port: number, sessions: number, bytes: number, count: number): { rate: number; seconds: number } | undefined {
  const binary = ['/usr/sbin/smtp-source', '/usr/bin/smtp-source'].find((path) => existsSync(path));
  if (!binary) return undefined;
  const started = Date.now();
  // -d: many messages per connection, as the pool does; -l: message size; -m: total; -s: parallel sessions.
  execFileSync(
    binary,
    [
      '-d',
      '-s',
      String(sessions),
      '-l',
      String(Math.round(bytes)),
      '-m',
      String(count),
      '-f',
      'digest@paperboy.example',
      '-t',
      'reader@example.org',
      `127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const seconds = (Date.now() - started) / 1000;
  return { rate: count / seconds, seconds };
}

async function main(): Promise<void> {
  log(
    `digest-bench: ${fmt(SUBSCRIBERS)} subscribers, ${WORKERS} worker process(es) (${DIST ? 'dist/' : 'sources through tsx'}${WORKER_NODE_OPTIONS ? `, NODE_OPTIONS ${WORKER_NODE_OPTIONS}` : ''}), batch ${BATCH}, ${CONNECTIONS} SMTP connections each; ` +
      `edition ${EDITION_DATE} (${DIGEST_TZ}); load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
  );
  await migrate(DATABASE_URL);
  const pool = createPool(DATABASE_URL, 4);
  const ownRedis = await startRedis();
  const redis = createRedis(ownRedis.url);
  const sink = await startSink();
  const workers: ChildProcess[] = [];
  const keyDir = mkdtempSync(join(tmpdir(), 'paperboy-bench-dkim-'));
  // Everything the run made goes, whether it ends, fails or is interrupted (Ctrl-C on a long run).
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await stopWorkers(workers);
      sink.child.send({ type: 'stop' });
      redis.disconnect();
      ownRedis.child?.kill('SIGTERM');
      rmSync(keyDir, { recursive: true, force: true });
      await pool.end();
      await dropDatabase(DATABASE_URL);
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    log(`digest-bench: interrupted (${signal}); removing its database, Redis and processes`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    // Seed, set-based.
    for (const paper of benchPapers()) {
      await pool.query(
        `INSERT INTO papers (external_id, title, abstract, authors, url, code_url, listed_at, upvotes)
         VALUES ($1, $2, $3, $4, $5, $6, now() - interval '3 hours', $7)`,
        [paper.url.slice(-10), paper.title, paper.abstract, paper.authors, paper.url, paper.code, paper.upvotes],
      );
    }
    await seedReaders(pool, 1, REFERENCE || SUBSCRIBERS);

    // A key made in the run, handed over as a file the way an operator would.
    const keyFile = join(keyDir, 'dkim.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const context = { pool, redis, redisUrl: ownRedis.url, ownRedis: ownRedis.child !== undefined, sink, workers };
    const dkimEnv = { DKIM_DOMAIN: 'paperboy.example', DKIM_SELECTOR: 'bench', DKIM_PRIVATE_KEY: keyFile };
    // DKIM on first: the second run finds Postgres's caches warmer, so the ratio errs against DKIM.
    const runDkimPhases = async (readers: number, suffix: string) => {
      const results: Partial<Record<'on' | 'off', PhaseResult>> = {};
      for (const phase of DKIM_PHASES as ('on' | 'off')[]) {
        const label = `dkim ${phase}${suffix}`;
        results[phase] = await runPhase(label, context, phase === 'on' ? dkimEnv : {}, readers);
        reportPhase(label.padEnd(8), results[phase]);
      }
      return results;
    };

    const reference = REFERENCE > 0 ? await runDkimPhases(REFERENCE, ` @${REFERENCE}`) : undefined;
    if (REFERENCE > 0) await seedReaders(pool, REFERENCE + 1, SUBSCRIBERS);
    const { on, off } = await runDkimPhases(SUBSCRIBERS, '');
    const first = (on ?? off)!;

    let personal: PhaseResult | undefined;
    if (PERSONAL > 0) {
      const seededTaste = Date.now();
      const readers = await seedTaste(pool, PERSONAL);
      log(`seeded ratings and topics for ${fmt(readers)} readers (${PERSONAL}) in ${fmt((Date.now() - seededTaste) / 1000, 1)} s`);
      personal = await runPhase('personal', context, dkimEnv, SUBSCRIBERS);
      reportPhase('personal', personal);
    }

    const sessions = WORKERS * CONNECTIONS;
    const sourceCount = Math.min(SUBSCRIBERS, 50_000);
    const source = smtpSource(sink.port, sessions, first.meanBytes, sourceCount);
    if (source)
      log(
        `smtp-source: ${fmt(sourceCount)} messages of ${fmt(first.meanBytes / 1024, 1)} KB over ${sessions} sessions to the same sink in ` +
          `${fmt(source.seconds, 2)} s = ${fmt(source.rate)} msg/s`,
      );
    else log('smtp-source: not installed (apt-get install postfix): no SMTP ceiling in this run');

    const naive = NAIVE_SAMPLE > 0 ? await naiveBaseline(pool, `smtp://127.0.0.1:${sink.port}`) : undefined;
    if (naive)
      log(
        `naive:    ${fmt(NAIVE_SAMPLE)} sent in ${fmt(naive.seconds, 2)} s = ${fmt(naive.rate, 1)} emails/s ` +
          `(MJML per recipient, Nodemailer MIME per message, 1 SMTP connection, 1 INSERT each); ` +
          `${fmt(naive.cpuPerEmail)} µs CPU per email; peak RSS ${fmt(naive.peakMb, 1)} MB`,
      );
    log(
      `load average at the end ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
    );
    const peakMb = Math.max(on?.peakMb ?? 0, off?.peakMb ?? 0, personal?.peakMb ?? 0);
    const referenceFirst = reference && (reference.on ?? reference.off)!;
    log(
      `digest-bench: ${Math.round(first.rate)} emails/s end-to-end, dkim ${on ? 'on' : 'off'}, ` +
        (on && off ? `${(on.rate / off.rate).toFixed(2)}x dkim off, ` : '') +
        (naive ? `${(first.rate / naive.rate).toFixed(1)}x naive, ` : 'no naive, ') +
        `${source ? `${(first.rate / source.rate).toFixed(2)}x smtp-source` : 'no smtp-source'}, ` +
        `peak RSS ${Math.round(peakMb)} MB, ${SUBSCRIBERS} subscribers` +
        (referenceFirst
          ? `, ${(first.rate / referenceFirst.rate).toFixed(2)}x the ${REFERENCE}-reader rate, RSS ${first.peakMb - referenceFirst.peakMb >= 0 ? '+' : ''}${Math.round(first.peakMb - referenceFirst.peakMb)} MB`
          : '') +
        (personal ? `, personal ${PERSONAL} ${Math.round(personal.rate)} emails/s = ${(personal.rate / on!.rate).toFixed(2)}x shared` : ''),
    );
  } finally {
    await cleanUp();
  }
}

/** Readers from..to, confirmed, set-based. */
async function seedReaders(pool: Pool, from: number, to: number): Promise<void> {
  const seeded = Date.now();
  await pool.query(
    `INSERT INTO subscribers (email_input, email, status, confirmed_at)
     SELECT 'reader-' || n || '@example.org', 'reader-' || n || '@example.org', 'confirmed', now() FROM generate_series($1::int, $2::int) AS n`,
    [from, to],
  );
  await pool.query('ANALYZE subscribers');
  log(`seeded ${fmt(to - from + 1)} subscribers in ${fmt((Date.now() - seeded) / 1000, 1)} s`);
}

/**
 * A share of the readers rate three old papers (outside the trending window) of one topic and favour another,
 * leave a third out: every one of them gets a digest of their own. Set-based.
 */
async function seedTaste(pool: Pool, share: number): Promise<number> {
  const every = Math.max(1, Math.round(1 / share));
  await pool.query(
    `INSERT INTO papers (external_id, title, abstract, url, listed_at, upvotes)
     SELECT 'rated-' || t || '-' || n, 'Older work on ' || t || ' number ' || n, 'We study ' || t || ' in depth. ', 'https://arxiv.org/abs/old',
            now() - interval '90 days', 5
       FROM unnest($1::text[]) AS t, generate_series(1, 3) AS n`,
    [TOPICS],
  );
  const { rowCount } = await pool.query(
    `INSERT INTO reader_settings (subscriber_id, size, hour, time_zone, topics_include, topics_exclude, utc_hour)
     SELECT s.id, 10, 7, 'UTC', ($2::text[])[1 + s.id % 5 : 1 + s.id % 5], ($2::text[])[1 + (s.id + 2) % 5 : 1 + (s.id + 2) % 5], 7
       FROM subscribers s WHERE s.id % $1 = 0`,
    [every, TOPICS],
  );
  await pool.query(
    `INSERT INTO ratings (subscriber_id, paper_id, vote)
     SELECT s.id, p.id, 1
       FROM subscribers s
       JOIN papers p ON p.external_id LIKE 'rated-' || ($2::text[])[1 + (s.id + 1) % 5] || '-%'
      WHERE s.id % $1 = 0`,
    [every, TOPICS],
  );
  await pool.query('ANALYZE reader_settings');
  await pool.query('ANALYZE ratings');
  return rowCount ?? 0;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.exitCode !== null || worker.signalCode) return resolve();
          worker.once('exit', () => resolve());
          worker.kill('SIGTERM');
        }),
    ),
  );
}

/** The way one would write it first: everything per recipient, one at a time. */
async function naiveBaseline(
  pool: ReturnType<typeof createPool>,
  smtpUrl: string,
): Promise<{ seconds: number; rate: number; peakMb: number; cpuPerEmail: number }> {
  const env = parseEnv({ PUBLIC_URL: 'https://paperboy.example', SECRET_KEY: SECRET });
  const keys = deriveKeys(SECRET);
  const { rows: editionRows } = await pool.query<{ id: number; papers: EditionPaper[] }>(`SELECT id, papers FROM editions LIMIT 1`);
  const { id: sourceEdition, papers } = editionRows[0]!;
  // Its own edition row (deliveries need one); the papers are the pipeline's.
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
     SELECT edition_date + 1, title, subject, papers, html_template, text_template FROM editions WHERE id = $1 RETURNING id`,
    [sourceEdition],
  );
  const editionId = rows[0]!.id;
  const { rows: readers } = await pool.query<{ id: number; publicId: string; email: string }>(
    `SELECT id, replace(public_id::text, '-', '') AS "publicId", email FROM subscribers ORDER BY id LIMIT $1`,
    [NAIVE_SAMPLE],
  );
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: Number(new URL(smtpUrl).port),
    secure: false,
    pool: true,
    maxConnections: 1,
  });
  const started = Date.now();
  const cpuAtStart = cpuSeconds(process.pid);
  for (const reader of readers) {
    const link = unsubscribeUrl(env, keys, reader.publicId);
    // MJML for every reader, then their links put in.
    const rendered = await renderEdition(env, EDITION_DATE, papers);
    const links = readerLinks({ env, keys }, reader.publicId);
    const fill = (template: string) => template.replaceAll(UNSUBSCRIBE_PLACEHOLDER, link).replace(SLOT_PATTERN, (slot) => links(slot));
    const [html, text] = [fill(rendered.htmlTemplate), fill(rendered.textTemplate)];
    const view = { subject: rendered.subject };
    const messageId = `<naive-${reader.publicId}@paperboy.example>`;
    const info = await transport.sendMail({
      from: 'Paperboy <digest@paperboy.example>',
      to: reader.email,
      subject: view.subject,
      html,
      text,
      messageId,
      list: { unsubscribe: [link, 'mailto:digest@paperboy.example?subject=unsubscribe'], id: 'digest.paperboy.example' },
      headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    await pool.query(
      `INSERT INTO deliveries (edition_id, subscriber_id, status, message_id, smtp_response, sent_at, attempts) VALUES ($1, $2, 'sent', $3, $4, now(), 1)`,
      [editionId, reader.id, messageId, info.response],
    );
  }
  const seconds = (Date.now() - started) / 1000;
  const cpuPerEmail = ((cpuSeconds(process.pid) - cpuAtStart) * 1e6) / readers.length;
  transport.close();
  return { seconds, rate: readers.length / seconds, peakMb: peakRssMb(process.pid), cpuPerEmail };
}

try {
  await main();
  process.exit(0);
} catch (error) {
  // One clear line, not a stack, when the bench itself finds the pipeline stuck.
  if (error instanceof BenchFailure) {
    process.stderr.write(`digest-bench: FAILED: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
