// The hourly digest scheduler (each run sends the readers whose hour it is; the one in DIGEST_CRON's hour builds
// the day's edition) and the recovery sweep. upsertJobScheduler is idempotent: every worker
// process installs them, Redis fires one job per tick. Reinstalled when Redis comes back empty.
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';
import { DIGEST_JOB_OPTIONS } from './digest-job.ts';

export interface DigestScheduleDeps {
  env: Pick<Env, 'DIGEST_SLOT_CRON'>;
  queues: Pick<Queues, 'digest'>;
  /** The queues' connection: its 'ready' after a reconnect means Redis may have come back empty. */
  redis: Redis;
  logger: Logger;
}

// BullMQ types a scheduler id as the queue's job name; any string works at run time.
export const DIGEST_SCHEDULER_ID = 'daily-digest' as 'digest';
export const RECOVER_SCHEDULER_ID = 'digest-recover' as 'digest';
/** How often a worker checks that no open delivery is left without a job (after a Redis loss). */
const RECOVER_EVERY_MS = 60_000;

export async function installDigestSchedules(services: Omit<DigestScheduleDeps, 'redis' | 'logger'>): Promise<void> {
  const { env, queues } = services;
  await queues.digest.upsertJobScheduler(
    DIGEST_SCHEDULER_ID,
    { pattern: env.DIGEST_SLOT_CRON, tz: 'UTC' },
    // No date, no slot: the processor takes the hour it runs in, and that hour's edition.
    { name: 'digest', data: { trigger: 'schedule' }, opts: DIGEST_JOB_OPTIONS },
  );
  await queues.digest.upsertJobScheduler(
    RECOVER_SCHEDULER_ID,
    { every: RECOVER_EVERY_MS },
    { name: 'digest', data: { trigger: 'recover' } },
  );
}

const hooked = new WeakSet<object>();
/** Redis here keeps nothing on disk: after it restarts, the schedulers are gone until reinstalled. */
export function reinstallDigestSchedulesOnReconnect(services: DigestScheduleDeps): void {
  if (hooked.has(services.redis)) return;
  hooked.add(services.redis);
  let connected = services.redis.status === 'ready';
  services.redis.on('ready', () => {
    if (!connected) {
      connected = true;
      return;
    }
    installDigestSchedules(services).catch((error) => services.logger.warn({ err: error }, 'could not reinstall the digest schedules'));
  });
}
