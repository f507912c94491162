// `npm run bench:digest -- --subscribers 100000`: seeds readers, builds an edition and sends it through the
// real worker path (`paperboy worker` processes) to an SMTP sink in a second process; then the naive way
// (MJML per recipient, Nodemailer building each MIME message, one SMTP connection, one INSERT per delivery)
// on a sample, in the same run. Its own database and queue prefix, both removed afterwards.
//   --subscribers N (20000)  --workers W (one per core)  --batch-size B (100)  --connections C (8)  --naive-sample S (2000)
//   BENCH_PROFILE_DIR=dir writes a CPU profile of each worker there.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { parseEnv } from '../src/config/env.ts';
import { dropDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { digestView, type EditionPaper } from '../src/digest/digest-view.ts';
import { renderEmail } from '../src/mail/templates.ts';
import { createRedis } from '../src/queue/connection.ts';
import { closeQueues, createQueues } from '../src/queue/queues.ts';
import { deriveKeys } from '../src/security/keys.ts';
import { editionUrl, unsubscribeUrl } from '../src/subscriptions/links.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '20000' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '100' },
    connections: { type: 'string', default: '8' },
    'naive-sample': { type: 'string', default: '2000' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const WORKERS = Number(values.workers);
const BATCH = Number(values['batch-size']);
const CONNECTIONS = Number(values.connections);
const NAIVE_SAMPLE = Math.min(Number(values['naive-sample']), SUBSCRIBERS);

const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const SINK = fileURLToPath(new URL('./smtp-sink.ts', import.meta.url));
const ADMIN_URL = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = Object.assign(new URL(ADMIN_URL), { pathname: `/paperboy_bench_digest_${randomBytes(3).toString('hex')}` }).toString();
const PREFIX = `pbbench-digest-${randomBytes(3).toString('hex')}`;
const SECRET = 'bench-secret-key-that-is-long-enough-0123456789';
const EDITION_DATE = '2026-11-28';

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Peak resident set of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** CPU time (user + system) a process has used so far, in seconds: comparable even on a busy machine. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function startSink(): Promise<{ port: number; child: ChildProcess; count(): Promise<number> }> {
  const child = fork(SINK, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
  return {
    port,
    child,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (message: { received: number }) => resolve(message.received));
        child.send({ type: 'count' });
      }),
  };
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, CLI, 'worker'], {
    env: { PATH: process.env.PATH ?? '', ...env },
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

function benchPapers(): { title: string; abstract: string; authors: string[]; url: string; code: string | null; upvotes: number }[] {
  return Array.from({ length: 10 }, (_, index) => ({
    title: `Scaling sparse mixture-of-experts transformers to ${index + 2}0 trillion tokens with stable training`,
    abstract:
      `We present a method for $\\mathcal{O}(n \\log n)$ attention with provable bounds ($\\epsilon < 10^{-3}$). ` +
      'Experiments on language, vision and speech benchmarks show consistent gains over strong baselines. '.repeat(8),
    authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Kurt Gödel', 'Emmy Noether', 'John von Neumann'],
    url: `https://arxiv.org/abs/2611.${String(10000 + index)}`,
    code: index % 2 === 0 ? `https://github.com/example/paper-${index}` : null,
    upvotes: 200 - index * 7,
  }));
}

async function main(): Promise<void> {
  log(`digest-bench: ${fmt(SUBSCRIBERS)} subscribers, ${WORKERS} worker process(es), batch ${BATCH}, ${CONNECTIONS} SMTP connections each`);
  await migrate(DATABASE_URL);
  const pool = createPool(DATABASE_URL, 4);
  const redis = createRedis(REDIS_URL);
  const queues = createQueues(redis, PREFIX);
  const sink = await startSink();
  const workers: ChildProcess[] = [];
  try {
    // Seed, set-based.
    for (const paper of benchPapers()) {
      await pool.query(
        `INSERT INTO papers (external_id, title, abstract, authors, url, code_url, listed_at, upvotes)
         VALUES ($1, $2, $3, $4, $5, $6, now() - interval '3 hours', $7)`,
        [paper.url.slice(-10), paper.title, paper.abstract, paper.authors, paper.url, paper.code, paper.upvotes],
      );
    }
    const seeded = Date.now();
    await pool.query(
      `INSERT INTO subscribers (email_input, email, status, confirmed_at)
       SELECT 'reader-' || n || '@example.org', 'reader-' || n || '@example.org', 'confirmed', now() FROM generate_series(1, $1) AS n`,
      [SUBSCRIBERS],
    );
    await pool.query('ANALYZE subscribers');
    log(`seeded ${fmt(SUBSCRIBERS)} subscribers in ${fmt((Date.now() - seeded) / 1000, 1)} s`);

    const smtpUrl = `smtp://127.0.0.1:${sink.port}`;
    const workerEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL,
      REDIS_URL,
      QUEUE_PREFIX: PREFIX,
      SMTP_URL: smtpUrl,
      SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
      SECRET_KEY: SECRET,
      PUBLIC_URL: 'https://paperboy.example',
      MAIL_FROM: 'Paperboy <digest@paperboy.example>',
      DELIVERY_BATCH_SIZE: String(BATCH),
      DIGEST_CRON: '0 7 1 1 *',
    };
    workers.push(...(await Promise.all(Array.from({ length: WORKERS }, () => startWorker(workerEnv)))));

    // The real path: the same job the scheduler and `paperboy digest` add.
    const workerCpuAtStart = workers.reduce((sum, worker) => sum + cpuSeconds(worker.pid!), 0);
    const sinkCpuAtStart = cpuSeconds(sink.child.pid!);
    const started = Date.now();
    await enqueueDigest(queues, EDITION_DATE);
    let peak = 0;
    let lastLog = started;
    for (;;) {
      await sleep(250);
      for (const worker of workers) peak = Math.max(peak, peakRssMb(worker.pid!));
      const { rows } = await pool.query<{ total: number; open: number; sent: number; last: Date | null }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS open,
                count(*) FILTER (WHERE status = 'sent')::int AS sent, max(sent_at) AS last
           FROM deliveries`,
      );
      const row = rows[0]!;
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        log(`  … ${fmt(row.sent)} sent, ${fmt(row.open)} open, ${fmt((row.sent * 1000) / (Date.now() - started))} emails/s`);
      }
      if (row.total === SUBSCRIBERS && row.open === 0) {
        const seconds = (row.last!.getTime() - started) / 1000;
        const rate = row.sent / seconds;
        const received = await sink.count();
        const workerCpu = workers.reduce((sum, worker) => sum + cpuSeconds(worker.pid!), 0) - workerCpuAtStart;
        const sinkCpu = cpuSeconds(sink.child.pid!) - sinkCpuAtStart;
        log(`pipeline: ${fmt(row.sent)} sent in ${fmt(seconds, 2)} s to the last delivery = ${fmt(rate)} emails/s end-to-end`);
        log(`          SMTP sink received ${fmt(received)}; worker peak RSS ${fmt(peak, 1)} MB`);
        log(
          `          CPU per email: workers ${fmt((workerCpu * 1e6) / row.sent)} µs, sink ${fmt((sinkCpu * 1e6) / row.sent)} µs ` +
            `(${fmt(1e6 / ((workerCpu * 1e6) / row.sent))} emails per worker CPU-second)`,
        );
        await stopWorkers(workers);

        const naive = await naiveBaseline(pool, smtpUrl);
        log(
          `naive:    ${fmt(NAIVE_SAMPLE)} sent in ${fmt(naive.seconds, 2)} s = ${fmt(naive.rate, 1)} emails/s ` +
            `(MJML per recipient, Nodemailer MIME per message, 1 SMTP connection, 1 INSERT each); ` +
            `${fmt(naive.cpuPerEmail)} µs CPU per email; peak RSS ${fmt(naive.peakMb, 1)} MB`,
        );
        log(
          `digest-bench: ${Math.round(rate)} emails/s end-to-end, ${(rate / naive.rate).toFixed(1)}x naive, peak RSS ${Math.round(peak)} MB, ${SUBSCRIBERS} subscribers`,
        );
        return;
      }
    }
  } finally {
    await stopWorkers(workers);
    sink.child.send({ type: 'stop' });
    await clearPrefix(redis);
    await closeQueues(queues);
    redis.disconnect();
    await pool.end();
    await dropDatabase(DATABASE_URL);
  }
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

async function clearPrefix(redis: ReturnType<typeof createRedis>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
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
  const { rows: readers } = await pool.query<{ id: number; email: string }>(`SELECT id, email FROM subscribers ORDER BY id LIMIT $1`, [
    NAIVE_SAMPLE,
  ]);
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
    const link = unsubscribeUrl(env, keys, reader.id);
    const view = digestView(EDITION_DATE, papers, {
      browserUrl: editionUrl(env, EDITION_DATE),
      homeUrl: env.PUBLIC_URL,
      unsubscribeUrl: link,
    });
    const { html, text } = await renderEmail('digest', view);
    const messageId = `<naive-${reader.id}@paperboy.example>`;
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

await main();
process.exit(0);
