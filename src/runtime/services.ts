// The services a process shares: every connection it needs, opened once and closed in order. Domains never see
// this bag: each names the few parts it uses (src/runtime/processors.ts and src/http/app.ts hand them over).
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { developmentSecret } from '../db/settings.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { DkimSigner } from '../mail/dkim.ts';
import { dkimWarnings, loadDkimSigner } from '../mail/dkim-key.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createRedis } from '../queue/connection.ts';
import { closeQueues, createQueues, type Queues } from '../queue/queues.ts';
import { deriveKeys, type Keys } from '../security/keys.ts';
import { assertPostgresReachable, assertRedisReachable, UnreachableError } from './reachability.ts';

export interface Services {
  env: Env;
  logger: Logger;
  pool: Pool;
  /** Shared connection for the queues (producers); the API's rate limiter has its own (src/http/app.ts). */
  redis: Redis;
  queues: Queues;
  mailer: Mailer;
  /** DKIM_* as a signer (parsed at start-up), or undefined: digests are signed as they are built. */
  dkim: DkimSigner | undefined;
  keys: Keys;
  close(): Promise<void>;
}

export interface OpenOptions {
  logger?: Logger;
}

/** Checks Postgres and Redis answer (one clear error if not), then opens pools, queues and the mailer. */
export async function openServices(env: Env, options: OpenOptions = {}): Promise<Services> {
  // A bad key is a configuration error: found before anything connects.
  const dkim = loadDkimSigner(env);
  await Promise.all([assertPostgresReachable(env.DATABASE_URL), assertRedisReachable(env.REDIS_URL)]);
  const logger = options.logger ?? createLogger(env.LOG_LEVEL);
  for (const warning of dkimWarnings(env)) logger.warn(warning);
  const pool = createPool(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  const redis = createRedis(env.REDIS_URL);
  const queues = createQueues(redis, env.QUEUE_PREFIX);
  const mailer = createMailer(env, pool, dkim);
  const keys = await (env.SECRET_KEY ? Promise.resolve(env.SECRET_KEY) : developmentSecret(pool))
    .then((secret) => deriveKeys(secret, env.SECRET_KEY_PREVIOUS ?? []))
    .catch(async (error: { code?: string }) => {
      await pool.end();
      redis.disconnect();
      if (error.code === '3D000' || error.code === '42P01') {
        throw new UnreachableError('the database is not set up: run `paperboy migrate` first');
      }
      throw error;
    });
  return {
    env,
    logger,
    pool,
    redis,
    queues,
    mailer,
    dkim,
    keys,
    async close() {
      await closeQueues(queues).catch(() => {});
      await mailer.close().catch(() => {});
      redis.disconnect();
      await pool.end().catch(() => {});
    },
  };
}
