// Group commit of subscribe requests (src/subscriptions/subscription-batcher.ts): a batch must mean exactly
// what its requests would mean one at a time, against real Postgres and Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPool, type Pool, type Queryable } from '../src/db/pool.ts';
import { CLAIMS_PER_CONFIRMATION_JOB, confirmationJobId, createConfirmationQueuer } from '../src/subscriptions/confirmation-queue.ts';
import { requestSubscriptions, type SubscriptionRequest } from '../src/db/subscribers.ts';
import { chunk } from '../src/batching/chunk.ts';
import { createSubscriptionBatcher } from '../src/subscriptions/subscription-batcher.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('subscription-batch');
});
after(async () => {
  await context?.close();
});

const pool = () => context.services.pool;
const request = (email: string, reason = 'subscribe api', input = email): SubscriptionRequest => ({
  input,
  email,
  sourceIpHash: `ip-of-${reason}`,
  reason,
});

async function rowOf(email: string) {
  const { rows } = await pool().query<{ id: number; email_input: string; status: string; requested: boolean; source_ip_hash: string }>(
    // Setup leaves every last_requested_at in 2000 (readersInEveryState): only a request of the test itself makes it recent.
    `SELECT id, email_input, status, last_requested_at > now() - interval '1 hour' AS requested, source_ip_hash FROM subscribers WHERE lower(email) = lower($1)`,
    [email],
  );
  return rows[0];
}

async function eventsOf(email: string): Promise<string[]> {
  const { rows } = await pool().query<{ reason: string }>(
    'SELECT e.reason FROM subscriber_events e JOIN subscribers s ON s.id = e.subscriber_id WHERE lower(s.email) = lower($1) ORDER BY e.id',
    [email],
  );
  return rows.map((row) => row.reason);
}

/** One reader in each state a subscribe request can meet, under `prefix`, set up through the same code path. */
async function readersInEveryState(prefix: string): Promise<Record<string, string>> {
  const at = (state: string) => `${prefix}-${state}@example.org`;
  const addresses = {
    new: at('new'),
    pendingRecent: at('pending-recent'),
    pendingStale: at('pending-stale'),
    confirmed: at('confirmed'),
    unsubscribed: at('unsubscribed'),
    unsubscribedRecent: at('unsubscribed-recent'),
    suppressed: at('suppressed'),
    suppressionListed: at('suppression-listed'),
  };
  const existing = Object.entries(addresses).filter(([state]) => state !== 'new' && state !== 'suppressionListed');
  await requestSubscriptions(
    pool(),
    existing.map(([, email]) => request(email, 'setup')),
    10,
  );
  const set = (sql: string, email: string) => pool().query(`UPDATE subscribers SET ${sql} WHERE email = $1`, [email]);
  await set(`confirmation_sent_at = now() - interval '11 minutes'`, addresses.pendingStale);
  await set(`status = 'confirmed', confirmed_at = now()`, addresses.confirmed);
  await set(`status = 'unsubscribed', unsubscribed_at = now(), confirmation_sent_at = now() - interval '1 day'`, addresses.unsubscribed);
  await set(`status = 'unsubscribed', unsubscribed_at = now()`, addresses.unsubscribedRecent);
  await set(`status = 'suppressed', suppressed_at = now()`, addresses.suppressed);
  await pool().query(`INSERT INTO suppressions (email, reason) VALUES (lower($1), 'hard_bounce'), (lower($2), 'complaint')`, [
    addresses.suppressed,
    addresses.suppressionListed,
  ]);
  // Long ago: a request's write must be seen, not the setup's.
  await pool().query(`UPDATE subscribers SET last_requested_at = '2000-01-01' WHERE email = ANY($1)`, [Object.values(addresses)]);
  return addresses;
}

/** What a subscribe request must do in each state: claim a confirmation or not, and the status after it. */
const EXPECTED: Record<string, { claim: boolean; status: string | undefined; lastEvent: string | undefined }> = {
  new: { claim: true, status: 'pending', lastEvent: 'subscribe api' },
  pendingRecent: { claim: false, status: 'pending', lastEvent: 'setup' },
  pendingStale: { claim: true, status: 'pending', lastEvent: 'setup' },
  confirmed: { claim: false, status: 'confirmed', lastEvent: 'setup' },
  unsubscribed: { claim: true, status: 'pending', lastEvent: 'subscribe api (after unsubscribing)' },
  unsubscribedRecent: { claim: false, status: 'pending', lastEvent: 'subscribe api (after unsubscribing)' },
  suppressed: { claim: false, status: 'suppressed', lastEvent: 'setup' },
  suppressionListed: { claim: false, status: undefined, lastEvent: undefined },
};

test('a batch of requests means what the same requests mean one at a time, in every state an address can be in', async () => {
  const oneByOne = await readersInEveryState('single');
  const batched = await readersInEveryState('batched');
  const states = Object.keys(EXPECTED);

  const singleClaims = [];
  for (const state of states) singleClaims.push(...(await requestSubscriptions(pool(), [request(oneByOne[state]!)], 10)));
  const batchClaims = await requestSubscriptions(
    pool(),
    states.map((state) => request(batched[state]!)),
    10,
  );

  for (const [index, state] of states.entries()) {
    for (const [mode, addresses, claims] of [
      ['one at a time', oneByOne, singleClaims],
      ['batched', batched, batchClaims],
    ] as const) {
      const expected = EXPECTED[state]!;
      const row = await rowOf(addresses[state]!);
      assert.equal(claims[index] !== undefined, expected.claim, `${mode}, ${state}: claim`);
      if (claims[index]) assert.equal(claims[index].subscriberId, row?.id, `${mode}, ${state}: claim names the subscriber`);
      assert.equal(row?.status, expected.status, `${mode}, ${state}: status`);
      if (row) assert.ok(row.requested, `${mode}, ${state}: every request writes, whatever the state`);
      else assert.ok(await suppressionRequested(addresses[state]!), `${mode}, ${state}: the request is recorded on the suppression`);
      assert.equal((await eventsOf(addresses[state]!)).at(-1), expected.lastEvent, `${mode}, ${state}: audit trail`);
    }
  }
});

async function suppressionRequested(email: string): Promise<boolean> {
  const { rows } = await pool().query<{ requested: boolean }>(
    `SELECT last_requested_at > now() - interval '1 hour' AS requested FROM suppressions WHERE email = lower($1)`,
    [email],
  );
  return rows[0]?.requested === true;
}

test('every subscribe request commits a write whatever the state: its transaction is assigned an id and the request is recorded', async () => {
  // A transaction that writes nothing commits without a WAL flush: a read-only answer is measurably faster
  // and would tell which addresses are known. Each request runs here in a transaction of its own, which then
  // asks Postgres whether it was assigned a transaction id (only a write assigns one) and what it wrote.
  const addresses = await readersInEveryState('writes');
  for (const state of Object.keys(EXPECTED)) {
    const email = addresses[state]!;
    const client = await pool().connect();
    try {
      await client.query('BEGIN');
      await requestSubscriptions(client, [request(email)], 10);
      const { rows } = await client.query<{ xid: string | null; subscriber: boolean | null; suppression: boolean | null }>(
        `SELECT pg_current_xact_id_if_assigned()::text AS xid,
                (SELECT last_requested_at = now() FROM subscribers WHERE lower(email) = lower($1)) AS subscriber,
                (SELECT last_requested_at = now() FROM suppressions WHERE email = lower($1)) AS suppression`,
        [email],
      );
      await client.query('COMMIT');
      const [written] = rows;
      assert.ok(written?.xid, `${state}: the request's transaction wrote something (no transaction id: a read-only commit)`);
      assert.ok(
        written.subscriber === true || (written.subscriber === null && written.suppression === true),
        `${state}: this request's time is recorded (subscriber row: ${written.subscriber}, suppression: ${written.suppression})`,
      );
    } finally {
      client.release();
    }
  }
});

test('the resend interval is counted in minutes: 9 minutes after a confirmation nothing is claimed, past 10 minutes one is', async () => {
  const email = 'interval@example.org';
  assert.ok((await requestSubscriptions(pool(), [request(email)], 10))[0], 'a new address claims its confirmation');
  const backdate = (minutes: number) =>
    pool().query(`UPDATE subscribers SET confirmation_sent_at = now() - $2::float8 * interval '1 minute' WHERE email = $1`, [
      email,
      minutes,
    ]);
  await backdate(9);
  assert.equal((await requestSubscriptions(pool(), [request(email)], 10))[0], undefined, '9 minutes is within the 10-minute interval');
  await backdate(10.05);
  assert.ok((await requestSubscriptions(pool(), [request(email)], 10))[0], 'just past 10 minutes the confirmation is due again');
  await backdate(10.05);
  assert.equal((await requestSubscriptions(pool(), [request(email)], 11))[0], undefined, 'and the interval is the one asked for');
});

test('the same address several times in one batch is stored once, from its first request, with one confirmation claimed', async () => {
  const claims = await requestSubscriptions(
    pool(),
    [
      request('twice@example.org', 'first', ' Twice@example.org'),
      request('other@example.org'),
      request('TWICE@example.org', 'second'),
      ...Array.from({ length: 20 }, () => request('twice@example.org', 'again')),
    ],
    10,
  );
  assert.equal(claims.length, 23, 'one answer per request');
  const row = await rowOf('twice@example.org');
  assert.ok(row);
  assert.equal(row.email_input, ' Twice@example.org');
  assert.equal(row.source_ip_hash, 'ip-of-first');
  assert.deepEqual(
    claims.map((claim) => claim?.subscriberId),
    [row.id, (await rowOf('other@example.org'))!.id, ...Array(21).fill(undefined)],
  );
  assert.deepEqual(await eventsOf('twice@example.org'), ['first']);
});

/** The real pool, counting the statements that go through it. */
function countingPool(): { db: Queryable; statements: () => number } {
  let statements = 0;
  const db: Queryable = {
    query: ((...args: Parameters<Pool['query']>) => {
      statements++;
      return (pool().query as (...a: unknown[]) => unknown)(...args);
    }) as Pool['query'],
  };
  return { db, statements: () => statements };
}

test('readers subscribing in the same moment are written by one statement, and their confirmations queued as one job per batch', async () => {
  await context.clearQueues();
  const { db, statements } = countingPool();
  const batcher = createSubscriptionBatcher({ ...context.services, pool: db }, { resendMinutes: 10 });
  const addresses = Array.from({ length: 50 }, (_, i) => `moment-${i}@example.org`);
  const claims = await Promise.all([...addresses, addresses[0]!].map((email) => batcher.request(request(email))));
  assert.equal(statements(), 1);
  assert.equal(claims.filter(Boolean).length, 50, 'the repeated address claims nothing more');

  // Queued just after the answers: one job carrying every claim of the batch, under an id derived from
  // its claims, so a retried batch cannot queue it twice.
  const due = claims.filter((claim) => claim !== undefined);
  const deadline = Date.now() + 5_000;
  let job = await context.services.queues.confirmations.getJob(confirmationJobId(due));
  while (!job) {
    assert.ok(Date.now() < deadline, 'the batch’s confirmations were never queued');
    await new Promise((resolve) => setTimeout(resolve, 20));
    job = await context.services.queues.confirmations.getJob(confirmationJobId(due));
  }
  assert.deepEqual(job.data.claims, due);
  assert.equal(await context.services.queues.confirmations.count(), 1, 'one job for the batch, not one per address');
  await context.clearQueues();
});

test('a very large batch is queued as several jobs of at most CLAIMS_PER_CONFIRMATION_JOB claims, ids stable', () => {
  const claims = Array.from({ length: 120 }, (_, i) => ({ subscriberId: i + 1, claimedAt: 1_700_000_000_000 }));
  const jobs = chunk(claims, 50);
  assert.deepEqual(
    jobs.map((job) => job.length),
    [50, 50, 20],
  );
  assert.deepEqual(jobs.flat(), claims, 'every claim once, in order');
  assert.deepEqual(jobs.map(confirmationJobId), ['confirm-1-1700000000000', 'confirm-51-1700000000000', 'confirm-101-1700000000000']);
  assert.equal(CLAIMS_PER_CONFIRMATION_JOB, 50);
});

test('claims of successive batches share a job: full jobs leave at once, the rest after the linger time or on flush', async () => {
  await context.clearQueues();
  const confirmations = context.services.queues.confirmations;
  const claimsFrom = (first: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ subscriberId: first + i, claimedAt: 1_700_000_000_000 }));
  const queuer = createConfirmationQueuer(context.services, { lingerMs: 1_500, jobSize: 50 });

  queuer.queue(claimsFrom(1, 10));
  queuer.queue(claimsFrom(11, 15));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await confirmations.count(), 0, 'within the linger time, two small batches wait for more');
  queuer.queue(claimsFrom(26, 100));
  await waitFor(async () => (await confirmations.count()) === 2);
  const early = await confirmations.getJobs(['waiting']);
  assert.deepEqual(early.map((job) => job.data.claims.length).sort(), [50, 50], 'the two full jobs left at once');
  await waitFor(async () => (await confirmations.count()) === 3);
  const rest = await confirmations.getJob(confirmationJobId(claimsFrom(101, 1)));
  assert.deepEqual(rest?.data.claims, claimsFrom(101, 25), 'the remaining 25 left after the linger time');

  queuer.queue(claimsFrom(200, 3));
  await queuer.flush();
  assert.equal(await confirmations.count(), 4, 'flush queues what waits at once');
  const all = (await confirmations.getJobs(['waiting'])).flatMap((job) => job.data.claims.map((claim) => claim.subscriberId));
  assert.deepEqual(
    all.sort((a, b) => a - b),
    [...claimsFrom(1, 125), ...claimsFrom(200, 3)].map((claim) => claim.subscriberId),
    'every claim once',
  );
  await context.clearQueues();
});

test('flush() queues the claims still waiting to fill a job (the API calls it when it closes)', async () => {
  await context.clearQueues();
  // A linger far longer than the test: only flush() can queue the claim.
  const batcher = createSubscriptionBatcher(context.services, { resendMinutes: 10, confirmationLingerMs: 60_000 });
  assert.ok(await batcher.request(request('last-before-close@example.org')), 'a confirmation is due');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await context.services.queues.confirmations.count(), 0, 'one claim waits for others to fill its job');
  await batcher.flush();
  assert.equal(await context.services.queues.confirmations.count(), 1, 'queued by the time flush() resolved');
  await context.clearQueues();
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, 'timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('the batch size is capped: more requests in one moment become several statements', async () => {
  const { db, statements } = countingPool();
  const batcher = createSubscriptionBatcher({ ...context.services, pool: db }, { resendMinutes: 10, maxBatchSize: 10 });
  await Promise.all(Array.from({ length: 25 }, (_, i) => batcher.request(request(`capped-${i}@example.org`))));
  assert.equal(statements(), 3);
  const { rows } = await pool().query(`SELECT count(*)::int AS n FROM subscribers WHERE email LIKE 'capped-%'`);
  assert.equal(rows[0].n, 25);
  await context.clearQueues();
});

test('while a batch is in Postgres, requests arriving over several ticks gather into the next batch', async () => {
  // Postgres is busy with the first batch until the test says so: however slow the machine, all ten later
  // requests arrive while it is in flight.
  let statements = 0;
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  const slow: Queryable = {
    query: (async (...args: unknown[]) => {
      statements++;
      if (statements === 1) await firstHeld;
      return (pool().query as (...a: unknown[]) => unknown)(...args);
    }) as Pool['query'],
  };
  const batcher = createSubscriptionBatcher({ ...context.services, pool: slow }, { resendMinutes: 10, maxInFlight: 1 });
  const first = batcher.request(request('gather-0@example.org'));
  const later: Promise<unknown>[] = [];
  for (let i = 1; i <= 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5)); // each in a tick of its own
    later.push(batcher.request(request(`gather-${i}@example.org`)));
  }
  assert.equal(statements, 1, 'the first batch went out alone and is still in Postgres');
  releaseFirst();
  await Promise.all([first, ...later]);
  assert.equal(statements, 2, 'the ten later requests waited for the first batch and went out as one');
  const { rows } = await pool().query(`SELECT count(*)::int AS n FROM subscribers WHERE email LIKE 'gather-%'`);
  assert.equal(rows[0].n, 11);
  await context.clearQueues();
});

test('a batch that cannot be stored fails every request in it and stores none of them', async () => {
  const batcher = createSubscriptionBatcher(context.services, { resendMinutes: 10 });
  // Longer than the column allows: only reachable past the address check, but it fails the whole statement.
  const unstorable = `${'x'.repeat(250)}@example.org`;
  const outcomes = await Promise.allSettled(
    ['doomed-1@example.org', unstorable, 'doomed-2@example.org'].map((email) => batcher.request(request(email))),
  );
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['rejected', 'rejected', 'rejected'],
  );
  const { rows } = await pool().query(`SELECT count(*)::int AS n FROM subscribers WHERE email LIKE 'doomed-%' OR email LIKE 'xxxx%'`);
  assert.equal(rows[0].n, 0);
  // The next batch is not affected.
  assert.ok(await batcher.request(request('after-doom@example.org')));
});

test('API processes writing overlapping batches at the same time do not deadlock', async () => {
  // Two pools are two API processes' connections; each round, both write the same addresses (half of them
  // already stored) in opposite orders, several batches at once.
  const pools = [createPool(context.database.url, 4), createPool(context.database.url, 4)];
  try {
    await requestSubscriptions(
      pool(),
      Array.from({ length: 100 }, (_, i) => request(`overlap-${i * 2}@example.org`)),
      0,
    );
    for (let round = 0; round < 10; round++) {
      const addresses = Array.from({ length: 200 }, (_, i) => request(`overlap-${i}@example.org`, `round ${round}`));
      const reversed = [...addresses].reverse();
      const results = await Promise.allSettled([
        ...pools.map((each, p) => requestSubscriptions(each, p === 0 ? addresses : reversed, 0)),
        ...pools.map((each, p) => requestSubscriptions(each, (p === 0 ? addresses : reversed).slice(50, 150), 0)),
      ]);
      const failed = results.filter((result) => result.status === 'rejected');
      assert.deepEqual(failed, [], `round ${round}`);
    }
  } finally {
    await Promise.all(pools.map((each) => each.end()));
  }
  const { rows } = await pool().query(`SELECT count(*)::int AS n FROM subscribers WHERE email LIKE 'overlap-%'`);
  assert.equal(rows[0].n, 200);
});

test('two API processes given +tag variants of one inbox at the same moment send it one confirmation, not one each', async () => {
  // Process A's batch is in flight (its transaction not committed) when process B's arrives: B's snapshot sees
  // neither A's new subscriber nor its confirmation. B must wait for A's claim on the inbox and then claim nothing.
  const [a, b] = [await pool().connect(), await pool().connect()];
  try {
    const { rows } = await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await a.query('BEGIN');
    const [claimOfA] = await requestSubscriptions(a, [request('racer+a@example.org')], 10);
    let settled = false;
    const ofB = requestSubscriptions(b, [request('Racer+b@example.org')], 10).finally(() => (settled = true));
    await waitFor(async () => {
      if (settled) return true;
      const { rows: waiting } = await pool().query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [
        rows[0]!.pid,
      ]);
      return waiting.length > 0;
    });
    await a.query('COMMIT');
    const [claimOfB] = await ofB;
    assert.ok(claimOfA, 'the first variant claims the confirmation');
    assert.equal(claimOfB, undefined, 'the variant another process asked for at the same moment claims none');
    assert.equal((await rowOf('racer+b@example.org'))?.status, 'pending', 'and is stored all the same');
  } finally {
    a.release();
    b.release();
  }
});
