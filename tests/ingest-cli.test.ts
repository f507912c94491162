// `paperboy ingest` and `paperboy demo` as a user runs them: real processes, a real database.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const FIXTURE_PATH = fileURLToPath(new URL('../fixtures/daily-papers-demo.json', import.meta.url));
const FIXTURE = readFileSync(FIXTURE_PATH, 'utf8');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function paperboy(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', PAPERBOY_SOURCE: '1', DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`paperboy ${args.join(' ')} did not exit in time\n${stdout}\n${stderr}`));
    }, 90_000); // a spawned tsx process is slow to start on a loaded machine
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // 'close', not 'exit': the output may still be in the pipe at exit (tests/support/cli.ts).
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

let database: TestDatabase;
let server: Server;
let base: string;
before(async () => {
  database = await createTestDatabase('ingest_cli');
  server = createServer((req, res) => {
    if (req.url === '/daily_papers.jsonl') {
      const lines = (JSON.parse(FIXTURE) as unknown[]).slice(0, 5).map((entry) => JSON.stringify(entry));
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(lines.join('\n'));
    } else res.writeHead(500).end('boom');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.drop();
});

const count = async () => (await database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM papers')).rows[0]!.n;

test('paperboy ingest <file> loads the demo fixture, and again changes nothing', async () => {
  const first = await paperboy(['ingest', FIXTURE_PATH]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'inserted 47, updated 0, rejected 0\n');
  const second = await paperboy(['ingest', FIXTURE_PATH]);
  assert.equal(second.stdout, 'inserted 0, updated 0, rejected 0\n');
  assert.equal(await count(), 47);
});

test('paperboy ingest - reads JSON Lines from stdin and prints each rejected entry with its line', async () => {
  const stdin = [
    JSON.stringify({ paper: { id: '2511.00001', title: 'From stdin', upvotes: 4, submittedOnDailyAt: '2026-11-01T00:00:00Z' } }),
    JSON.stringify({ paper: { title: 'No id here' } }),
    '{"paper": ',
    JSON.stringify({ paper: { id: 'synthetic-0001', title: 'MMKB-RAG renamed', upvotes: 99 } }),
  ].join('\n');
  const run = await paperboy(['ingest', '-'], { stdin });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), [
    'rejected line 2: paper.id is missing',
    'rejected line 3: not valid JSON (Unexpected end of JSON input)',
    'inserted 1, updated 1, rejected 2',
  ]);
  const { rows } = await database.pool.query("SELECT title, upvotes FROM papers WHERE external_id = 'synthetic-0001'");
  assert.deepEqual(rows[0], { title: 'MMKB-RAG renamed', upvotes: 99 });
});

test('paperboy ingest <url> fetches over http; a failing URL is one line and a non-zero exit, nothing loaded', async () => {
  const ok = await paperboy(['ingest', `${base}/daily_papers.jsonl`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^inserted 0, updated \d+, rejected 0\n$/);
  const before = await count();
  const failed = await paperboy(['ingest', `${base}/broken`]);
  assert.equal(failed.code, 1);
  assert.equal(failed.stderr, `paperboy ingest: GET ${base}/broken answered HTTP 500\n`);
  assert.equal(await count(), before);
});

test('paperboy ingest refuses input that is not a listing, and a missing source, in one line', async () => {
  const garbage = await paperboy(['ingest', '-'], { stdin: '<html>oops</html>' });
  assert.equal(garbage.code, 1);
  assert.match(garbage.stderr, /^paperboy ingest: the listing is neither a JSON array nor JSON Lines/);
  assert.equal(garbage.stderr.trim().split('\n').length, 1);
  const missing = await paperboy(['ingest', '/nonexistent/listing.json']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'paperboy ingest: no such file: /nonexistent/listing.json\n');
  const usage = await paperboy(['ingest']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: paperboy ingest <file\|url\|->/);
});

test('paperboy demo lists the seed page as if today, so it trends now', async () => {
  const run = await paperboy(['demo'], { env: { DIGEST_SIZE: '5' } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^inserted 0, updated 47, rejected 0\n/);
  const listed = run.stdout.split('\n').filter((line) => /^\s+\d+\. /.test(line));
  assert.equal(listed.length, 5);
  const { rows } = await database.pool.query<{ newest: Date; oldest: Date }>(
    'SELECT max(listed_at) AS newest, min(listed_at) AS oldest FROM papers',
  );
  const ageHours = (Date.now() - rows[0]!.newest.getTime()) / 3600_000;
  assert.ok(ageHours > 0 && ageHours < 1, `newest listing is ${ageHours} h old`);
});
