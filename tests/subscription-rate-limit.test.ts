// Subscribe is rate limited per client IP, with counters in Redis so the limit holds across API processes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildApp } from '../src/http/app.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { subscribeByForm, subscribeByJson, SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('subscription_rate_limit', {
    ...SUBSCRIPTION_TEST_ENV,
    SUBSCRIBE_RATE_LIMIT: '3',
    SUBSCRIBE_RATE_WINDOW_SECONDS: '60',
  });
});
after(() => context?.close());

test('past the limit an IP gets 429 with Retry-After, across two API processes sharing Redis, and other IPs are unaffected', async () => {
  // Two app instances stand for two API processes: only Redis is shared between them.
  const [first, second] = await Promise.all([buildApp(context.services), buildApp(context.services)]);
  try {
    const ip = '198.51.100.7';
    const accepted = await subscribeByForm(first, { email: 'r1@example.org' }, ip);
    assert.equal(accepted.statusCode, 202);
    assert.equal(accepted.headers['x-ratelimit-remaining'], undefined, 'an accepted answer does not tell how many tries are left');
    assert.equal((await subscribeByForm(second, { email: 'r2@example.org' }, ip)).statusCode, 202);
    assert.equal((await subscribeByJson(first, { email: 'r3@example.org' }, ip)).statusCode, 202);

    const page = await subscribeByForm(second, { email: 'r4@example.org' }, ip);
    assert.equal(page.statusCode, 429);
    // The window is SUBSCRIBE_RATE_WINDOW_SECONDS (60 s): Retry-After counts down from it, in seconds.
    const retryAfter = Number(page.headers['retry-after']);
    assert.ok(retryAfter > 30 && retryAfter <= 60, `says when to come back, within the 60 s window: Retry-After ${retryAfter}`);
    assert.equal(page.headers['x-ratelimit-limit'], '3', 'and what the limit is');
    assert.match(page.body, /Too many attempts from your network/);
    const json = await subscribeByJson(first, { email: 'r5@example.org' }, ip);
    assert.equal(json.statusCode, 429);
    assert.equal(json.json().error, 'rate_limited');
    // A moment later (far longer than a window mistaken for milliseconds) the limit still holds.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await subscribeByJson(second, { email: 'r7@example.org' }, ip);
    assert.equal(later.statusCode, 429, 'the limit still holds a moment later');
    assert.ok(Number(later.headers['retry-after']) > 30, `and still counts down from about a minute: ${later.headers['retry-after']}`);

    assert.equal(
      (await subscribeByForm(first, { email: 'r6@example.org' }, '198.51.100.8')).statusCode,
      202,
      'another IP still subscribes',
    );
    const { rows } = await context.services.pool.query<{ email: string }>('SELECT email FROM subscribers ORDER BY email');
    assert.deepEqual(
      rows.map((row) => row.email),
      ['r1@example.org', 'r2@example.org', 'r3@example.org', 'r6@example.org'],
      'refused requests store nothing',
    );
    const keys = await context.services.redis.keys(`${context.env.QUEUE_PREFIX}:rate-limit:*`);
    assert.ok(keys.length >= 2, 'the counters live in Redis under this deployment’s prefix');

    const other = await first.inject({ url: '/' });
    assert.equal(other.statusCode, 200, 'only POST /subscribe is limited');
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});

test('a burst from one IP in one event-loop pass is counted hit by hit: exactly the limit gets through', async () => {
  // The hits of one pass go to Redis as one counter call (src/http/rate-limit-store.ts); each must still get a
  // count of its own, or a burst would slip past the limit.
  const app = await buildApp(context.services);
  try {
    const burst = Array.from({ length: 10 }, (_, index) => ({ email: `burst${index}@example.org`, ip: '198.51.100.20' }));
    const neighbour = { email: 'neighbour@example.org', ip: '198.51.100.21' };
    const answers = await Promise.all([...burst, neighbour].map(({ email, ip }) => subscribeByJson(app, { email }, ip)));
    const statuses = answers.map((answer) => answer.statusCode);
    assert.deepEqual(statuses.slice(0, 10).sort(), [202, 202, 202, 429, 429, 429, 429, 429, 429, 429]);
    assert.equal(statuses[10], 202, 'another IP in the same pass has a counter of its own');
    const { rows } = await context.services.pool.query<{ stored: number }>(
      `SELECT count(*)::int AS stored FROM subscribers WHERE email LIKE 'burst%'`,
    );
    assert.equal(rows[0]!.stored, 3, 'only the accepted three are stored');
  } finally {
    await app.close();
  }
});

test('when the rate limiter cannot reach Redis, readers can still subscribe, promptly, and the limit holds per process', async () => {
  // Only the limiter's Redis is unreachable (nothing listens on port 1); the rest of the app is as usual.
  const app = await buildApp({ ...context.services, env: { ...context.env, REDIS_URL: 'redis://127.0.0.1:1' } });
  try {
    const ip = '198.51.100.9';
    for (const email of ['d1@example.org', 'd2@example.org', 'd3@example.org', 'd4@example.org']) {
      const started = Date.now();
      const response = await subscribeByJson(app, { email }, ip);
      // Redis away: the process counts on its own (src/http/rate-limit-store.ts), so the 4th is refused, not let through.
      assert.equal(response.statusCode, email === 'd4@example.org' ? 429 : 202);
      // The limiter gives up after its 500 ms command timeout (src/http/app.ts); ten times that leaves a busy
      // machine room, and a request held until Redis returns would never answer.
      assert.ok(Date.now() - started < 5_000, `answered in ${Date.now() - started} ms, not held until Redis returns`);
    }
    const { rows } = await context.services.pool.query('SELECT 1 FROM subscribers WHERE email LIKE $1', ['d_@example.org']);
    assert.equal(rows.length, 3, 'every accepted address is stored');
  } finally {
    await app.close();
  }
});
