// Redis Cluster, proven: three masters on loopback ports, REDIS_URL=redis+cluster://…, two `paperboy worker`
// processes sending a 5,000-reader digest (exactly one 'sent' per reader), and the API's rate limiter, the
// confirmation queue and the schedules working on the same cluster.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { parseEnv } from '../src/config/env.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { buildApp } from '../src/http/app.ts';
import { editionSettled, insertConfirmedReaders, insertPapers, upcomingDate, waitFor } from './support/digest.ts';
import { imageNodeOptions } from './support/image-node-options.ts';
import { createTestContext, TEST_SECRET, type TestContext } from './support/services.ts';
import { subscribeByJson, SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

const READERS = 5_000;
const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));

/** A port that is free, with its cluster bus port (+10000) free too. */
async function freeClusterPort(): Promise<number> {
  const listenable = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await listenable(port)) && (await listenable(port + 10_000))) return port;
  }
}

interface RedisCluster {
  ports: number[];
  url: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = await freeClusterPort();
    if (!ports.includes(port)) ports.push(port);
  }
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '5000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null || server.signalCode) return resolve();
            server.once('exit', () => resolve());
            server.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      await waitFor(
        () =>
          probe.connect().then(
            () => probe.ping().then(() => true),
            () => false,
          ),
        `redis-server on ${port}`,
        10_000,
      );
      probe.disconnect();
    }
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(created.status, 0, `redis-cli --cluster create: ${created.stdout}${created.stderr}`);
    for (const port of ports) {
      const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
      await waitFor(async () => /cluster_state:ok/.test(await node.cluster('INFO')), `cluster state ok on ${port}`, 20_000);
      node.disconnect();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  // Two of the three masters named: the client finds the third itself.
  return { ports, url: `redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}`, stop };
}

/** Counts messages per recipient; keeps only confirmation mails (they are small). */
async function startCountingSink() {
  const perRecipient = new Map<string, number>();
  const confirmations: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size < 100_000) chunks.push(chunk);
      });
      stream.on('end', () => {
        for (const { address } of session.envelope.rcptTo) perRecipient.set(address, (perRecipient.get(address) ?? 0) + 1);
        const text = Buffer.concat(chunks).toString('utf8');
        if (/^Subject:.*confirm/im.test(text)) confirmations.push(text);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    perRecipient,
    confirmations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: imageNodeOptions(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-20_000);
      if (out.includes('workers ready')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out.slice(-2000)}`)));
  });
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

let cluster: RedisCluster;
let sink: Awaited<ReturnType<typeof startCountingSink>>;
let context: TestContext;
const workers: ChildProcess[] = [];
const prefix = `pbtest-cluster-${process.pid}`;

before(async () => {
  cluster = await startCluster();
  sink = await startCountingSink();
  context = await createTestContext('redis-cluster', {
    ...SUBSCRIPTION_TEST_ENV,
    REDIS_URL: cluster.url,
    QUEUE_PREFIX: prefix,
    SMTP_URL: sink.url,
    SUBSCRIBE_RATE_LIMIT: '3',
  });
  const workerEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: context.database.url,
    REDIS_URL: cluster.url,
    QUEUE_PREFIX: prefix,
    SMTP_URL: sink.url,
    SMTP_MAX_CONNECTIONS: '4',
    SECRET_KEY: TEST_SECRET,
    PUBLIC_URL: context.env.PUBLIC_URL,
    MAIL_FROM: context.env.MAIL_FROM,
  };
  workers.push(...(await Promise.all([startWorker(workerEnv), startWorker(workerEnv)])));
});

after(async () => {
  await stopWorkers(workers);
  await context?.close();
  await sink?.close();
  await cluster?.stop();
});

test('a cluster URL hash-tags the queue prefix, and REDIS_CLUSTER_NODES says the same', () => {
  assert.equal(context.env.QUEUE_PREFIX, `{${prefix}}`);
  const env = parseEnv({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001', REDIS_URL: 'redis://:s3cret@ignored:6379' });
  assert.equal(env.REDIS_URL, 'redis+cluster://:s3cret@10.0.0.1:7000,10.0.0.2:7001');
  assert.equal(env.QUEUE_PREFIX, '{paperboy}');
  assert.equal(parseEnv({}).QUEUE_PREFIX, 'paperboy');
  assert.throws(() => parseEnv({ REDIS_URL: 'redis+cluster://' }), /REDIS_URL/);
  assert.throws(() => parseEnv({ REDIS_CLUSTER_NODES: 'nohost' }), /REDIS_CLUSTER_NODES/);
});

test(`two worker processes on a three-master cluster send a ${READERS.toLocaleString('en')}-reader digest: exactly one sent per reader`, async () => {
  const { pool } = context.database;
  const date = upcomingDate(0);
  await insertPapers(pool, [{ title: 'Clustered paper', upvotes: 90 }, { title: 'Another one' }]);
  await insertConfirmedReaders(pool, READERS);
  await enqueueDigest(context.services.queues, date);
  const statuses = await waitFor(() => editionSettled(pool, date), 'the edition to be sent', 300_000);
  assert.deepEqual(statuses, { sent: READERS });
  const { rows } = await pool.query<{ readers: number; rows: number }>(
    `SELECT count(DISTINCT subscriber_id)::int AS readers, count(*)::int AS rows FROM deliveries WHERE status = 'sent'`,
  );
  assert.deepEqual(rows[0], { readers: READERS, rows: READERS });
  const digests = [...sink.perRecipient].filter(([address]) => address.startsWith('reader-'));
  assert.equal(digests.length, READERS, 'every reader got mail');
  assert.ok(
    digests.every(([, count]) => count === 1),
    'nobody got two',
  );
  // Neither process fell over on the cluster (MOVED, CROSSSLOT and the like would end a worker).
  assert.ok(workers.every((worker) => worker.exitCode === null && !worker.signalCode));
});

test('the schedules, the API rate limiter and the confirmation queue work on the cluster', async () => {
  const schedulers = await context.services.queues.digest.getJobSchedulers();
  assert.ok(schedulers.length > 0, 'the worker processes installed the digest schedules');

  const app = await buildApp(context.services);
  try {
    const ip = '198.51.100.9';
    const answers = [];
    for (const index of [1, 2, 3, 4]) answers.push((await subscribeByJson(app, { email: `cluster-${index}@example.org` }, ip)).statusCode);
    assert.deepEqual(answers, [202, 202, 202, 429], 'the limit (3 a minute) counted in Redis on the cluster');
    await waitFor(
      async () =>
        ['cluster-1@example.org', 'cluster-2@example.org', 'cluster-3@example.org'].every(
          (address) => sink.perRecipient.get(address) === 1,
        ),
      'the three confirmation mails',
      60_000,
    );
    assert.equal(sink.perRecipient.get('cluster-4@example.org'), undefined);
  } finally {
    await app.close();
  }
});
