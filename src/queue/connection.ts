import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisClusterUrl, type RedisClusterTarget } from '../config/redis-url.ts';

/**
 * An ioredis connection for BullMQ. Workers need `maxRetriesPerRequest: null` (blocking commands);
 * retrying forever with a capped backoff is what lets workers ride out a Redis restart.
 * When `redisUrl` names a cluster (redis+cluster://…) this is an ioredis Cluster: the same command API, typed
 * as Redis so every user (BullMQ, the rate limiter, the schedules) takes either; BullMQ tells them apart itself.
 */
export function createRedis(redisUrl: string, options: RedisOptions = {}): Redis {
  const cluster = parseRedisClusterUrl(redisUrl);
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...options,
  };
  const redis = cluster ? createCluster(cluster, base) : new Redis(redisUrl, base);
  // Errors surface through the commands that fail; an 'error' without a listener would crash us.
  redis.on('error', () => {});
  return redis;
}

function createCluster(target: RedisClusterTarget, options: RedisOptions): Redis {
  const { enableAutoPipelining, enableOfflineQueue, lazyConnect, retryStrategy, ...perNode } = options;
  const cluster = new Cluster(target.nodes, {
    enableAutoPipelining,
    enableOfflineQueue,
    lazyConnect,
    enableReadyCheck: true,
    clusterRetryStrategy: (attempt) => (retryStrategy ? retryStrategy(attempt) : Math.min(attempt * 200, 2_000)),
    redisOptions: {
      ...perNode,
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
    },
  });
  return cluster as unknown as Redis;
}

/** Resolves when Redis (or the cluster) at `redisUrl` answers PING within `timeoutMs`; rejects with its error if not. */
export async function probeRedis(redisUrl: string, timeoutMs = 3_000): Promise<void> {
  const redis = createRedis(redisUrl, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer from Redis in ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}
