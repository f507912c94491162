// Fan-out: one delivery row per confirmed reader (set-based, keyset pages), then the open rows go to the
// deliveries queue in batches with deterministic job ids. Memory holds one page, whatever the list size.
import type { JobsOptions } from 'bullmq';
import { chunk } from '../batching/chunk.ts';
import { createDeliveriesPage, openDeliveriesPage } from '../db/deliveries.ts';
import type { Queryable } from '../db/pool.ts';
import { removeFinishedJob } from '../queue/jobs.ts';
import type { Queues } from '../queue/queues.ts';

/** Subscribers per INSERT … SELECT: big enough to be set-based, small enough to keep memory flat. */
const CREATE_PAGE = 5_000;

/**
 * Pages are whole batches so that, when nothing has been sent meanwhile, a rerun makes the same batches (and
 * job ids) as the first run and BullMQ ignores the duplicates.
 */
const pageSizeFor = (batchSize: number) => Math.max(1, Math.floor(CREATE_PAGE / batchSize)) * batchSize;

export interface FanOutOptions {
  batchSize: number;
  /** Host part of the Message-ID, from MAIL_FROM. */
  host: string;
  jobOptions: JobsOptions;
}

export interface FanOutResult {
  created: number;
  enqueued: number;
  /** Rows that existed already (a rerun, or a crash halfway through the first run). */
  existing: number;
}

/** Job id of a batch: the edition and the batch's first delivery, so re-adding the same batch is a no-op. */
export const deliveryJobId = (editionId: number, firstDeliveryId: number) => `e${editionId}-d${firstDeliveryId}`;

async function enqueueBatches(
  queues: Queues,
  editionId: number,
  deliveryIds: readonly number[],
  options: FanOutOptions,
  replaceFinished = false,
): Promise<number> {
  const batches = chunk(deliveryIds, options.batchSize);
  if (batches.length === 0) return 0;
  // A finished job with the same id would make BullMQ ignore the add, and its rows would wait for nothing.
  if (replaceFinished) await Promise.all(batches.map((ids) => removeFinishedJob(queues.deliveries, deliveryJobId(editionId, ids[0]!))));
  await queues.deliveries.addBulk(
    batches.map((ids) => ({
      name: 'deliveries',
      data: { editionId, deliveryIds: ids },
      opts: { ...options.jobOptions, jobId: deliveryJobId(editionId, ids[0]!) },
    })),
  );
  return batches.length;
}

/** Enqueues every delivery of the edition that is not final yet (queued or sending). Postgres is the truth. */
export async function enqueueOpenDeliveries(db: Queryable, queues: Queues, editionId: number, options: FanOutOptions): Promise<number> {
  const pageSize = pageSizeFor(options.batchSize);
  let after = 0;
  let jobs = 0;
  for (;;) {
    const ids = await openDeliveriesPage(db, editionId, after, pageSize);
    if (ids.length === 0) return jobs;
    jobs += await enqueueBatches(queues, editionId, ids, options, true);
    after = ids[ids.length - 1]!;
    if (ids.length < pageSize) return jobs;
  }
}

/**
 * Creates the edition's deliveries for every confirmed reader and enqueues them. Safe to run again: rows
 * are unique per (edition, subscriber), and a rerun re-enqueues whatever is not final.
 */
export async function fanOutEdition(
  db: Queryable,
  queues: Queues,
  edition: { id: number; editionDate: string },
  options: FanOutOptions,
): Promise<FanOutResult> {
  const pageSize = pageSizeFor(options.batchSize);
  let after = 0;
  let created = 0;
  let existing = 0;
  let enqueued = 0;
  for (;;) {
    const page = await createDeliveriesPage(db, {
      editionId: edition.id,
      editionDate: edition.editionDate,
      afterSubscriberId: after,
      pageSize,
      host: options.host,
    });
    if (page.walked === 0 || page.lastSubscriberId === null) break;
    created += page.createdIds.length;
    existing += page.walked - page.createdIds.length;
    enqueued += await enqueueBatches(queues, edition.id, page.createdIds, options);
    after = page.lastSubscriberId;
    if (page.walked < pageSize) break;
  }
  // Rows from an earlier run that never finished: queue them again (their batches dedupe where unchanged).
  if (existing > 0) enqueued += await enqueueOpenDeliveries(db, queues, edition.id, options);
  return { created, enqueued, existing };
}
