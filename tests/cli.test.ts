// The command line as a user meets it: real processes, real services, one-line errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { testQueuePrefix } from './support/names.ts';

const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(
  args: string[],
  env: Record<string, string>,
  options: { killAfterOutput?: RegExp; timeoutMs?: number } = {},
): Promise<Run & { signalledAt?: number; exitedAt?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', PAPERBOY_SOURCE: '1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalledAt: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`paperboy ${args.join(' ')} did not exit in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (options.killAfterOutput && signalledAt === undefined && options.killAfterOutput.test(stdout)) {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // 'close', not 'exit': the output may still be in the pipe at exit (tests/support/cli.ts).
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, signalledAt, exitedAt: Date.now() });
    });
  });
}

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('cli');
});
after(() => database.drop());

test('--help lists every command', async () => {
  const run = await runCli(['--help'], {});
  assert.equal(run.code, 0);
  for (const command of ['migrate', 'start', 'api', 'worker']) assert.match(run.stdout, new RegExp(`\\b${command}\\b`));
});

test('an unknown command or option is one line and a non-zero exit', async () => {
  const unknown = await runCli(['frobnicate'], {});
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  const badOption = await runCli(['migrate', '--bogus'], {});
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /Unknown option '--bogus'/);
});

test('a bad configuration value is named in one line', async () => {
  const run = await runCli(['migrate'], { PORT: 'eighty' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^paperboy: invalid configuration: PORT/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});

test('start with Redis unreachable prints one line and exits non-zero', async () => {
  const run = await runCli(['start'], { DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^paperboy: Redis is not reachable at redis:\/\/127\.0\.0\.1:1 .*: start it with /);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('start with Postgres unreachable prints one line and exits non-zero', async () => {
  const run = await runCli(['start'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/paperboy', PORT: '0' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^paperboy: PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/paperboy .*: start it with /);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});

test('migrate creates a missing database and is safe to run again', async () => {
  const url = new URL(database.url);
  url.pathname = `${url.pathname}_fresh`;
  try {
    const first = await runCli(['migrate'], { DATABASE_URL: url.toString() });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied \d+ migration/);
    const second = await runCli(['migrate'], { DATABASE_URL: url.toString() });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /database is up to date/);
  } finally {
    const { dropDatabase } = await import('../src/db/database.ts');
    await dropDatabase(url.toString());
  }
});

/** Every key under `prefix` in the test Redis (BullMQ's and the rate limiter's), removed by `remove`. */
async function redisKeys(prefix: string, remove = false): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    let found = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found += keys.length;
      if (remove && keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

test('start serves, and SIGTERM drains and exits 0 within 10 s', async () => {
  // Its own BullMQ prefix, removed afterwards as every test file removes its keys.
  const prefix = testQueuePrefix('cli');
  try {
    const run = await runCli(
      ['start'],
      { DATABASE_URL: database.url, REDIS_URL, PORT: '0', QUEUE_PREFIX: prefix, SECRET_KEY: 'x'.repeat(40) },
      { killAfterOutput: /workers ready/ },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.signalledAt && run.exitedAt! - run.signalledAt < 10_000);
    assert.match(run.stdout, /"msg":"api ready"/);
    assert.match(run.stdout, /"part":"connections".*"msg":"closed"/);
    assert.ok((await redisKeys(prefix)) > 0, 'the workers used the prefix given');
  } finally {
    await redisKeys(prefix, true);
  }
  assert.equal(await redisKeys(prefix), 0, 'and nothing is left behind under it');
});
