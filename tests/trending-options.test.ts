// What trends is decided in SQL (src/db/sql/trending.sql, tests/trending.test.ts against Postgres); this is the pure
// part around it (src/digest/trending.ts): the options the configuration gives it, and the formula it documents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv } from '../src/config/env.ts';
import { trendingOptionsFrom, trendingScore } from '../src/digest/trending.ts';

const AS_OF = new Date('2026-06-01T12:00:00Z');
const env = (overrides: Record<string, string> = {}) => parseEnv({ NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(40), ...overrides });

test('trending options come from the configuration', () => {
  const configured = env({ TRENDING_WINDOW_HOURS: '48', TRENDING_GRAVITY: '1.5', TRENDING_VELOCITY_WEIGHT: '3', DIGEST_SIZE: '7' });
  assert.deepEqual(trendingOptionsFrom(configured, AS_OF), {
    asOf: AS_OF,
    limit: 7,
    windowHours: 48,
    gravity: 1.5,
    velocityWeight: 3,
    includeDemo: true,
  });
  assert.equal(trendingOptionsFrom(configured, AS_OF, 3).limit, 3);
});

test('production never ranks the demo papers, whatever was loaded by mistake; development and tests do', () => {
  const production = env({ NODE_ENV: 'production', SMTP_URL: 'smtp://relay.example.org:587' });
  assert.equal(trendingOptionsFrom(production, AS_OF).includeDemo, false);
  assert.equal(trendingOptionsFrom(env({ NODE_ENV: 'development' }), AS_OF).includeDemo, true);
});

test('the formula: votes plus weighted votes of the last 24 h, over (age + 2 h) to the gravity', () => {
  const options = { gravity: 1.8, velocityWeight: 2 };
  // (100 + 2 × 40) / (22 + 2)^1.8
  assert.equal(trendingScore({ upvotes: 100, upvotesLast24h: 40, ageHours: 22 }, options), 180 / Math.pow(24, 1.8));
  const fresh = trendingScore({ upvotes: 10, upvotesLast24h: 0, ageHours: 1 }, options);
  const old = trendingScore({ upvotes: 10, upvotesLast24h: 0, ageHours: 30 }, options);
  assert.ok(fresh > old, 'the same votes count for less as a paper ages');
  assert.equal(
    trendingScore({ upvotes: 10, upvotesLast24h: 0, ageHours: 0 }, { gravity: 1, velocityWeight: 2 }),
    5,
    'a paper just listed is two hours old',
  );
  assert.equal(
    trendingScore({ upvotes: 10, upvotesLast24h: 5, ageHours: 30 }, { gravity: 0, velocityWeight: 0 }),
    10,
    'no gravity, no velocity: votes',
  );
});
