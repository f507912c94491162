// The `deliveries` queue: each job is one batch of an edition's deliveries (ids only, never mail).
import type { Job } from 'bullmq';
import pLimit from 'p-limit';
import type { Env } from '../config/env.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { DkimSigner } from '../mail/dkim.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { WorkerDefinition } from '../queue/workers.ts';
import type { Keys } from '../security/keys.ts';
import { createSentRecorder } from './sent-recorder.ts';
import { sendDeliveryBatch, type DeliveryDeps } from './send-deliveries.ts';

export interface DeliveriesWorkerDeps {
  env: Env;
  pool: Pool;
  keys: Keys;
  mailer: Mailer;
  dkim: DkimSigner | undefined;
  logger: Logger;
}

/**
 * Who holds a batch's rows: the job id and the job's creation time. A job BullMQ retries after its worker
 * died keeps both, so it takes its rows back at once; a job re-added under the same id after Redis lost
 * the queue is a new job, and must not take rows its first run may still be sending.
 */
export const deliveryClaimToken = (job: Pick<Job, 'id' | 'timestamp'>) => `${job.id}@${job.timestamp}`;

/** Messages handed to the SMTP pool at once per process: every connection busy, one more waiting each. */
export const sendsInFlight = (env: Pick<Env, 'SMTP_MAX_CONNECTIONS'>) => env.SMTP_MAX_CONNECTIONS * 2;

export function deliveriesProcessor(services: DeliveriesWorkerDeps): WorkerDefinition<'deliveries'> {
  const { env } = services;
  const log = services.logger.child({ part: 'deliveries' });
  const deps: DeliveryDeps = {
    db: services.pool,
    env,
    keys: services.keys,
    mailer: services.mailer,
    dkim: services.dkim,
    recorder: createSentRecorder(services.pool),
    limiter: pLimit(sendsInFlight(env)),
    logger: log,
    factories: new Map(),
  };
  // Enough batches in hand that the SMTP pool never idles while one batch claims or records.
  const concurrency = Math.min(env.WORKER_CONCURRENCY, Math.max(2, Math.ceil((sendsInFlight(env) * 4) / env.DELIVERY_BATCH_SIZE)));
  return {
    queue: 'deliveries',
    processor: async (job) => {
      const result = await sendDeliveryBatch(deps, {
        editionId: job.data.editionId,
        deliveryIds: job.data.deliveryIds,
        claimToken: deliveryClaimToken(job),
        staleClaimSeconds: (2 * env.DELIVERY_LOCK_MS) / 1000,
        finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      });
      if (result.bounced > 0 || result.failed > 0) log.warn({ jobId: job.id, ...result }, 'batch had failures');
      // Throwing hands the deferred ones to BullMQ's exponential backoff; sent ones are final and not redone.
      if (result.deferred > 0) throw new Error(`${result.deferred} of ${result.claimed} deliveries deferred (temporary SMTP failure)`);
      return result;
    },
    options: {
      concurrency,
      lockDuration: env.DELIVERY_LOCK_MS,
      stalledInterval: env.DELIVERY_LOCK_MS,
      // A batch whose worker was killed several times must still complete, not fail as "stalled".
      maxStalledCount: 20,
    },
  };
}
