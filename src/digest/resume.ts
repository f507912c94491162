// Resuming a paused edition (`paperboy digest --resume`, the console's Resume button): a new run starts, the
// refused deliveries of readers still confirmed go back to the queue, and their jobs are queued again.
import type { Env } from '../config/env.ts';
import { resumeEdition } from '../db/edition-pause.ts';
import type { Queryable } from '../db/pool.ts';
import type { Queues } from '../queue/queues.ts';
import { deliveryJobOptions } from './digest-job.ts';
import { enqueueOpenDeliveries } from './fan-out.ts';

export type ResumeOutcome = { resumed: false } | { resumed: true; requeued: number; jobs: number };

export async function resumePausedEdition(
  deps: { pool: Queryable; queues: Queues; env: Env },
  edition: { id: number; editionDate: string },
): Promise<ResumeOutcome> {
  const resumed = await resumeEdition(deps.pool, edition.editionDate);
  if (resumed.editionId === null) return { resumed: false };
  const jobs = await enqueueOpenDeliveries(deps.pool, deps.queues, edition.id, deliveryJobOptions(deps.env));
  return { resumed: true, requeued: resumed.requeued, jobs };
}
