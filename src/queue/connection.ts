import { Redis, type RedisOptions } from 'ioredis';

/**
 * An ioredis connection for BullMQ. Workers need `maxRetriesPerRequest: null` (blocking commands);
 * retrying forever with a capped backoff is what lets workers ride out a Redis restart.
 */
export function createRedis(redisUrl: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...options,
  });
  // Errors surface through the commands that fail; an 'error' without a listener would crash us.
  redis.on('error', () => {});
  return redis;
}

/** Resolves when Redis at `redisUrl` answers PING within `timeoutMs`; rejects with its error if not. */
export async function probeRedis(redisUrl: string, timeoutMs = 3_000): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}
