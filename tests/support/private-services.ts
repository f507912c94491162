// Private PostgreSQL and Redis servers for fault tests: stopping them never touches the machine's shared
// Postgres (5432) and Redis (6379), which every other test file is using at the same time.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';

// Servers still running when the test process exits (a failed assertion skips `remove()`) are stopped with it.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill(child.spawnfile.endsWith('postgres') ? 'SIGINT' : 'SIGTERM');
});

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

/** Runs a program to completion; rejects with its output if it fails. */
async function run(command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}\n${output}`);
}

/** Ends a server process and waits for it: SIGINT is Postgres' "fast" shutdown, SIGTERM Redis' normal one. */
async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function postgresBinDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** Postgres refuses to run as root: find the `postgres` OS user to run it as. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  if (!entry) throw new Error('no `postgres` OS user (it comes with the Debian postgresql package)');
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PrivatePostgres {
  /** Admin URL (database `postgres`); use `databaseUrl(name)` for another database on this cluster. */
  url: string;
  port: number;
  databaseUrl(name: string): string;
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  remove(): Promise<void>;
}

/** initdb into a temp dir and run a throwaway cluster on a random port (trust auth, no fsync). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const [bin, user, port] = await Promise.all([postgresBinDir(), postgresUser(), freePort()]);
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-pg-'));
  await chown(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const asPostgres: SpawnOptions = { uid: user.uid, gid: user.gid, cwd: dir, env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' } };
  await run(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    asPostgres,
  );

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  const ready = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  };
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = track(
      spawn(
        join(bin, 'postgres'),
        ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
        { ...asPostgres, stdio: 'ignore' },
      ),
    );
    await waitUntil(ready, `private PostgreSQL on port ${port}`);
  };
  await start();

  return {
    url,
    port,
    databaseUrl(name) {
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop: () => stopProcess(child, 'SIGINT'),
    start,
    async remove() {
      await stopProcess(child, 'SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  url: string;
  port: number;
  readonly running: boolean;
  stop(): Promise<void>;
  /** Starts it again on the same port, empty: it keeps nothing on disk. */
  start(): Promise<void>;
  remove(): Promise<void>;
}

/** A redis-server of our own on a random port that keeps nothing on disk. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const ready = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // refused while it starts: the probe just answers false
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  };
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = track(
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
        { stdio: 'ignore' },
      ),
    );
    await waitUntil(ready, `private Redis on port ${port}`);
  };
  await start();

  return {
    url,
    port,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop: () => stopProcess(child, 'SIGTERM'),
    start,
    async remove() {
      await stopProcess(child, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
