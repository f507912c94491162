// The rate limiter's counters, in Redis so the limit holds across API processes, counted per event-loop pass:
// the hits of one pass on one counter go to Redis as one INCRBY (one script call) rather than one INCR each,
// and each hit still gets its own count, so the limit is exactly as strict. A flood from one address, the case
// a rate limit is for, costs Redis one call per pass however many requests the pass holds. Plugs into
// @fastify/rate-limit as its `store` (same counters and expiry as its RedisStore: a fixed window per key).
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor, RateLimitOptions } from '@fastify/rate-limit';
import type { Redis, Result } from 'ioredis';
import { createGroupCommit } from '../batching/group-commit.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    countRateLimitHits(key: string, hits: number, windowMs: number): Result<[number, number], Context>;
  }
}

// Adds the hits; a new counter (one whose value is just these hits) starts its window. Returns the count
// after the hits and the window's time left in ms.
const COUNT_HITS = `
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
if current == tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {current, tonumber(ARGV[2])}
end
return {current, redis.call('PTTL', KEYS[1])}
`;

interface Hit {
  key: string;
  windowMs: number;
}
interface Count {
  current: number;
  ttl: number;
}
type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
/** What @fastify/rate-limit passes to child(): the route's merged options, with the route itself. */
type RouteParams = RateLimitOptions & { routeInfo: { method?: string | string[]; url?: string } };

/** The `store` option of @fastify/rate-limit, bound to a Redis connection and a key prefix. */
export function coalescingRedisStore(redis: Redis, nameSpace: string): FastifyRateLimitStoreCtor {
  redis.defineCommand('countRateLimitHits', { numberOfKeys: 1, lua: COUNT_HITS });

  // The same batching as the subscribe writes: the hits that different sockets' callbacks make in one pass of
  // the event loop share a call. Redis pipelines, so batches are not held back while others are out.
  const count = createGroupCommit<Hit, Count>(
    async (hits) => {
      const byKey = new Map<string, number[]>();
      hits.forEach((hit, index) => {
        const indexes = byKey.get(hit.key);
        if (indexes) indexes.push(index);
        else byKey.set(hit.key, [index]);
      });
      const counts = new Array<Count>(hits.length);
      await Promise.all(
        [...byKey].map(async ([key, indexes]) => {
          const [last, ttl] = await redis.countRateLimitHits(key, indexes.length, hits[indexes[0]!]!.windowMs);
          // The hits of a pass are counted in arrival order: the first gets the lowest count.
          indexes.forEach((index, position) => (counts[index] = { current: last - indexes.length + 1 + position, ttl }));
        }),
      );
      return counts;
    },
    { maxBatchSize: 1_000, maxInFlight: Number.POSITIVE_INFINITY },
  );

  const local = localCounters();

  return class CoalescingRedisStore implements FastifyRateLimitStore {
    readonly prefix: string;

    constructor(options: RateLimitOptions, prefix = nameSpace) {
      if (options.continueExceeding || options.exponentialBackoff) {
        throw new Error('this rate-limit store keeps a fixed window: continueExceeding and exponentialBackoff are not supported');
      }
      this.prefix = prefix;
    }

    incr(key: string, callback: Callback, windowMs: number): void {
      const fullKey = this.prefix + key;
      count({ key: fullKey, windowMs }).then(
        (count) => callback(null, count),
        // Redis unreachable: the same limit, counted by this process alone, rather than no limit at all.
        () => callback(null, local.count(fullKey, windowMs)),
      );
    }

    /** One counter per route, as RedisStore does. */
    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const { routeInfo } = routeOptions as unknown as RouteParams;
      return new CoalescingRedisStore(routeOptions as unknown as RouteParams, `${this.prefix}${String(routeInfo.method)}${routeInfo.url}-`);
    }
  };
}

/** Most counters kept in memory while Redis is away; past it the oldest windows are dropped first. */
const MAX_LOCAL_COUNTERS = 100_000;

/** Fixed-window counters in this process: the fallback while Redis cannot be reached. */
function localCounters() {
  const counters = new Map<string, { current: number; resetAt: number }>();
  return {
    count(key: string, windowMs: number, now = Date.now()): Count {
      let counter = counters.get(key);
      if (!counter || counter.resetAt <= now) {
        counters.delete(key);
        if (counters.size >= MAX_LOCAL_COUNTERS) {
          for (const [oldKey, old] of counters) if (old.resetAt <= now || counters.size >= MAX_LOCAL_COUNTERS) counters.delete(oldKey);
        }
        counter = { current: 0, resetAt: now + windowMs };
        counters.set(key, counter);
      }
      counter.current += 1;
      return { current: counter.current, ttl: counter.resetAt - now };
    },
  };
}
