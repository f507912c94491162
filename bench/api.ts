// `npm run bench:api`: autocannon against one API process (POST /subscribe with a new address per request,
// and GET /), and against a bare Fastify hello world in the same run as the baseline. Each server is a
// process of its own; the API has its own database and queue prefix, dropped afterwards.
// The targets are measured in interleaved rounds (hello world, GET /, POST /subscribe, then again), and each
// figure is the median of its rounds: the machine is shared, and a slow spell then weighs on all three alike
// instead of on whichever target it fell on. The ratio is the median of the rounds' own ratios.
//   BENCH_ROUNDS (default 3)  BENCH_DURATION_SECONDS (per target and round, default 5)  BENCH_CONNECTIONS (default 100)
//   BENCH_PROFILE_DIR (CPU profile of the API)  BENCH_LOG_LEVEL (default info, the API's own default)
import autocannon, { type Request, type Result } from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { dropDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { spawnApi } from '../tests/support/api-process.ts';
import { freePort } from '../tests/support/ports.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 5);
const WARMUP = Math.min(3, DURATION);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const HELLO_WORLD = fileURLToPath(new URL('./hello-world.ts', import.meta.url));

interface Figures {
  name: string;
  /** CPU time the server process spent per answered request (user + system, from /proc): steadier than req/s on a shared machine. */
  cpuPerRequestUs?: number;
  rps: number;
  /** Answered requests. */
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  accepted: number;
}

async function load(
  name: string,
  url: string,
  requests: Request[] | undefined,
  run: { duration: number } | { amount: number },
): Promise<Figures> {
  const result: Result = await autocannon({ url, connections: CONNECTIONS, requests, timeout: 10, ...run });
  return {
    name,
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    accepted: result['2xx'],
  };
}

/** User + system CPU time of a process so far, in µs (Linux: /proc/<pid>/stat, fields 14 and 15, in 1/100 s). */
function cpuTimeUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** load(), also measuring the server's CPU time per request. */
async function loadServer(pid: number, ...args: Parameters<typeof load>): Promise<Figures> {
  const before = cpuTimeUs(pid);
  const result: Figures = await load(...args);
  return { ...result, cpuPerRequestUs: result.requests > 0 ? (cpuTimeUs(pid) - before) / result.requests : 0 };
}

async function startHelloWorld(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', HELLO_WORLD, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`hello-world exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

async function main(): Promise<void> {
  const id = randomBytes(4).toString('hex');
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/paperboy_bench_api_${id}`;
  const prefix = `pbbench-api-${id}`;
  await migrate(databaseUrl.toString());

  const helloWorld = await startHelloWorld();
  // No SMTP_URL: confirmation emails go to the development outbox (a row in Postgres, written by the
  // API process itself), so no SMTP server shares the two cores with the load generator.
  const api = await spawnApi(
    {
      NODE_ENV: 'development',
      LOG_LEVEL,
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      SECRET_KEY: randomBytes(32).toString('hex'),
      PUBLIC_URL: 'http://paperboy.bench',
      SUBSCRIBE_RATE_LIMIT: '100000000',
    }, // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of the API process there (open it in Chrome DevTools).
    { nodeArgs: process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [] },
  );

  // The API's log lines are read and dropped, as a log shipper would take them; kept, they would pile up
  // in this process, which also runs the load generator.
  api.child.stdout!.removeAllListeners('data').resume();

  // A new address per request. Each measured subscribe run sends a fixed number of requests (what the run
  // before it reached in DURATION seconds) and waits for every answer, so each address sent is known to have been
  // accepted or refused: none is cut off in flight, and the count of stored rows must equal the count of 202s.
  // (No onResponse callback: autocannon would copy every answer's headers and body for it, a load-generator
  // cost that shares the two cores with the server.)
  const subscribeRequests = (label: string): Request[] => {
    let counter = 0;
    return [
      {
        method: 'POST',
        path: '/subscribe',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        setupRequest: (request) => ({ ...request, body: `{"email":"${label}-${id}-${counter++}@example.org"}` }),
      },
    ];
  };

  const rounds: Figures[][] = [];
  try {
    // Warm each path up (JIT, pools) before measuring it.
    await load('warm-up', helloWorld.url, undefined, { duration: WARMUP });
    await load('warm-up', api.url, undefined, { duration: WARMUP });
    let subscribeRate = (await load('warm-up', api.url, subscribeRequests('warm-up'), { duration: WARMUP })).rps;
    const measured = subscribeRequests('bench');
    for (let round = 0; round < ROUNDS; round++) {
      const during = { duration: DURATION };
      const hello = await loadServer(helloWorld.pid, 'hello-world GET /', helloWorld.url, undefined, during);
      const home = await loadServer(api.child.pid!, 'api GET /', api.url, undefined, during);
      const amount = Math.max(CONNECTIONS, Math.round(subscribeRate * DURATION));
      const subscribe = await loadServer(api.child.pid!, 'api POST /subscribe', api.url, measured, { amount });
      subscribeRate = subscribe.rps;
      rounds.push([hello, home, subscribe]);
    }
  } finally {
    await Promise.all([api.stop(), helloWorld.stop()]);
  }

  const client = new pg.Client({ connectionString: databaseUrl.toString() });
  await client.connect();
  const { rows } = await client.query<{ stored: number }>(`SELECT count(*)::int AS stored FROM subscribers WHERE email LIKE $1`, [
    `bench-${id}-%`,
  ]);
  await client.end();
  const { stored } = rows[0]!;

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const summary = rounds[0]!.map((first, target) => {
    const runs = rounds.map((round) => round[target]!);
    return {
      name: first.name,
      rps: median(runs.map((run) => run.rps)),
      ratios: rounds.map((round) => (100 * round[target]!.rps) / round[0]!.rps),
      p50: median(runs.map((run) => run.p50)),
      p99: Math.max(...runs.map((run) => run.p99)),
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      accepted: runs.reduce((sum, run) => sum + run.accepted, 0),
      requests: runs.reduce((sum, run) => sum + run.requests, 0),
      cpuPerRequestUs: median(runs.map((run) => run.cpuPerRequestUs ?? 0)),
    };
  });

  console.log(
    `api-bench: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s per target, 1 API process (LOG_LEVEL=${LOG_LEVEL}), ` +
      `Node ${process.version}`,
  );
  console.log('| target | req/s | % of hello-world (each round) | p50 ms | p99 ms (worst round) | errors | server CPU µs/request |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of summary) {
    console.log(
      `| ${row.name} | ${fixed(row.rps)} | ${fixed(median(row.ratios), 1)} (${row.ratios.map((ratio) => fixed(ratio, 1)).join(', ')}) | ` +
        `${row.p50} | ${row.p99} | ${row.errors} | ${fixed(row.cpuPerRequestUs)} |`,
    );
  }
  const subscribe = summary[2]!;
  console.log(
    `stored: ${stored} rows for the ${subscribe.requests} measured subscribe requests, ${subscribe.accepted} of them answered 202`,
  );

  await dropDatabase(databaseUrl.toString());
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();

  console.log(
    `api-bench: subscribe ${fixed(subscribe.rps)} req/s (${fixed(median(subscribe.ratios))}% of hello-world), ` +
      `p99 ${subscribe.p99} ms, errors ${subscribe.errors}, stored ${stored}/${subscribe.accepted}`,
  );
}

await main();
