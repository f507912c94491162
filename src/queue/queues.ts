// Queue names and their job payloads in one map, so every add() and every processor is type-checked.
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ConfirmationClaim } from '../db/subscribers.ts';

export interface JobPayloads {
  /**
   * Build (or reuse) the edition of `date` (default: today in DIGEST_TZ, for the scheduler's static data)
   * and fan it out to confirmed subscribers; 'recover' re-enqueues open deliveries after a Redis loss.
   */
  /** `slot`: one UTC hour (ISO), its due readers only; without it a manual run is the whole day of `date`. */
  digest: { date?: string; slot?: string; trigger: 'schedule' | 'manual' | 'recover' };
  /** Send a batch of an edition's deliveries. Carries ids, never rendered mail. */
  deliveries: { editionId: number; deliveryIds: number[] };
  /** Fetch the papers listing from a URL and load it. */
  ingest: { url: string };
  /**
   * Send the double opt-in emails of up to 50 claims (src/subscriptions/confirmation-mail.ts): claims are gathered
   * into jobs rather than one job per address, since queueing a job costs the API more than storing the address.
   */
  confirmations: { claims: ConfirmationClaim[] };
}

export type QueueName = keyof JobPayloads;

export type Queues = { [Name in QueueName]: Queue<JobPayloads[Name], unknown, Name> };

/** Queues exist in every process (producers); workers start only where asked. */
export function createQueues(connection: Redis, prefix: string, defaults: JobsOptions = {}): Queues {
  const make = <Name extends QueueName>(name: Name) =>
    new Queue<JobPayloads[Name], unknown, Name>(name, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
        ...defaults,
      },
    });
  return { digest: make('digest'), deliveries: make('deliveries'), ingest: make('ingest'), confirmations: make('confirmations') };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}
