// What the HTTP layer is handed by the composition root (src/runtime): the parts its routes use, nothing more.
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Queues } from '../queue/queues.ts';
import type { Keys } from '../security/keys.ts';

export interface HttpDeps {
  env: Env;
  logger: Logger;
  pool: Pool;
  /** The queues' connection (readiness checks); the rate limiter opens its own. */
  redis: Redis;
  queues: Queues;
  /** Only its kind: the development outbox's pages exist when mail goes to the outbox. */
  mailer: Pick<Mailer, 'kind'>;
  keys: Keys;
}
