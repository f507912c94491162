// Postgres goes away for 10 s under a running API process: it must answer 503 + Retry-After at once
// (no hang, no crash), and serve again by itself when Postgres is back. Runs on a private Postgres and
// Redis (tests/support/private-services.ts): the machine's shared servers are never stopped.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { spawnApi, type ApiProcess } from './support/api-process.ts';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './support/private-services.ts';
import { TEST_SECRET } from './support/services.ts';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.ts';

const OUTAGE_MS = 10_000;
/** An answer slower than this while Postgres is down counts as a hang. */
const PROMPT_MS = 2_000;

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let smtp: TestSmtpServer;
let api: ApiProcess;
let databaseUrl: string;

before(async () => {
  [postgres, redis, smtp] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startSmtpServer()]);
  databaseUrl = postgres.databaseUrl('paperboy_outage');
  await migrate(databaseUrl);
  api = await spawnApi({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `pbtest-outage-${randomBytes(4).toString('hex')}`,
    SMTP_URL: smtp.url,
    SECRET_KEY: TEST_SECRET,
    PUBLIC_URL: 'http://paperboy.test',
    MAIL_FROM: 'Paperboy <digest@paperboy.test>',
    SUBSCRIBE_RATE_LIMIT: '100000',
    // This test is about Postgres going away; shedding on event-loop lag (a busy CI machine) is tested elsewhere.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  });
});

after(async () => {
  await api?.stop();
  await Promise.all([postgres?.remove(), redis?.remove(), smtp?.close()]);
});

interface Answer {
  status: number;
  retryAfter: string | null;
  ms: number;
  body: string;
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(`${api.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  const body = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ms: Date.now() - started, body };
}

const subscribe = (email: string) =>
  call('/subscribe', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email }),
  });

async function storedAddresses(): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>('SELECT email FROM subscribers ORDER BY email');
    return rows.map((row) => row.email);
  } finally {
    await client.end();
  }
}

test('with Postgres down for 10 s the API answers 503 with Retry-After at once, and serves again without a restart', async (t) => {
  const accepted: string[] = [];
  const address = (label: string) => `${label}-${accepted.length}-${randomBytes(3).toString('hex')}@example.org`;

  const first = address('before');
  assert.equal((await subscribe(first)).status, 202);
  accepted.push(first);
  assert.equal((await call('/readyz')).status, 200);

  await postgres.stop();
  const downAt = Date.now();
  const refused: Answer[] = [];
  const readiness: Answer[] = [];
  while (Date.now() - downAt < OUTAGE_MS) {
    const [answer, ready] = await Promise.all([subscribe(address('during')), call('/readyz')]);
    refused.push(answer);
    readiness.push(ready);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await postgres.start();

  assert.ok(refused.length >= 20, `kept asking through the outage (${refused.length} requests)`);
  for (const answer of refused) {
    assert.equal(answer.status, 503, `subscribe during the outage: ${answer.status} ${answer.body.slice(0, 200)}`);
    assert.match(answer.retryAfter ?? '', /^\d+$/, 'a 503 says when to come back');
    assert.ok(answer.ms < PROMPT_MS, `answered in ${answer.ms} ms, not a hang`);
    assert.doesNotMatch(answer.body, /ECONNREFUSED|\bat .+:\d+:\d+|node_modules/, 'reveals no internals');
  }
  for (const ready of readiness) assert.equal(ready.status, 503, 'readyz reports the outage');
  assert.equal(api.child.exitCode, null, 'the API process is still running');

  // Back without a restart: the pool reconnects on the next request.
  const backAt = Date.now();
  let recovered: Answer | undefined;
  let next = address('after');
  while (Date.now() - backAt < 10_000) {
    recovered = await subscribe(next);
    if (recovered.status === 202) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(recovered?.status, 202, 'subscribes again once Postgres is back');
  const slowest = Math.max(...refused.map((answer) => answer.ms));
  t.diagnostic(
    `outage: ${refused.length} subscribe requests, all 503, slowest ${slowest} ms; serving again ${Date.now() - backAt} ms after Postgres returned`,
  );
  accepted.push(next);
  for (let i = 0; i < 5; i += 1) {
    next = address('after');
    assert.equal((await subscribe(next)).status, 202);
    accepted.push(next);
  }
  assert.equal((await call('/readyz')).status, 200);
  assert.equal(api.child.exitCode, null, 'the same process serves: no restart');

  // Exact count: every accepted address is stored, nothing from the refused requests.
  assert.deepEqual(await storedAddresses(), [...accepted].sort());
});
