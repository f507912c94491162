// Fan-out: one delivery row per confirmed reader due in the run (keyset pages: who is due is decided per page by
// src/digest/due.ts, the rows made in one statement), then the open rows go to the deliveries queue in batches
// with deterministic job ids. Memory holds one page, whatever the list size.
import type { JobsOptions } from 'bullmq';
import { chunk } from '../batching/chunk.ts';
import { createDeliveries, dueCandidatesPage, openDeliveriesPage, type DueCandidate } from '../db/deliveries.ts';
import type { Queryable } from '../db/pool.ts';
import { removeFinishedJob } from '../queue/jobs.ts';
import type { Queues } from '../queue/queues.ts';
import type { DeliveryPreference } from './delivery-slots.ts';
import { bucketsNear, isReaderDue, slotsOf, type DueRun } from './due.ts';

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

export interface DueReaders {
  /** Who is due: a day (every daily reader, weekly ones on their weekday) or one UTC hour. */
  run: DueRun;
  /** The delivery time of readers who saved none: DIGEST_CRON's hour in DIGEST_TZ, daily. */
  digestDefault: DeliveryPreference;
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

const preferenceOf = (candidate: DueCandidate): DeliveryPreference | undefined =>
  candidate.frequency === null
    ? undefined
    : { frequency: candidate.frequency, weekday: candidate.weekday!, hour: candidate.hour!, timeZone: candidate.timeZone! };

/**
 * Creates the edition's deliveries for every confirmed reader due in the run and enqueues them. Safe to run again: rows
 * are unique per (edition, subscriber), and a rerun re-enqueues whatever is not final.
 */
export async function fanOutEdition(
  db: Queryable,
  queues: Queues,
  edition: { id: number; editionDate: string },
  options: FanOutOptions,
  due: DueReaders,
): Promise<FanOutResult> {
  const pageSize = pageSizeFor(options.batchSize);
  let after = 0;
  let created = 0;
  let existing = 0;
  let enqueued = 0;
  const { run, digestDefault } = due;
  const filter = {
    everyone: run.kind === 'day',
    defaultDue: run.kind === 'day' || isReaderDue(run, undefined, digestDefault),
    buckets: run.kind === 'slot' ? [...new Set(slotsOf(run).flatMap(bucketsNear))] : [],
  };
  for (;;) {
    const candidates = await dueCandidatesPage(db, { afterSubscriberId: after, pageSize, filter });
    if (candidates.length === 0) break;
    const dueIds = candidates
      .filter((candidate) => isReaderDue(run, preferenceOf(candidate), digestDefault))
      .map((candidate) => candidate.id);
    const createdIds = await createDeliveries(db, {
      editionId: edition.id,
      editionDate: edition.editionDate,
      subscriberIds: dueIds,
      host: options.host,
    });
    created += createdIds.length;
    existing += dueIds.length - createdIds.length;
    enqueued += await enqueueBatches(queues, edition.id, createdIds, options);
    after = candidates[candidates.length - 1]!.id;
    if (candidates.length < pageSize) break;
  }
  // Rows from an earlier run that never finished: queue them again (their batches dedupe where unchanged).
  if (existing > 0) enqueued += await enqueueOpenDeliveries(db, queues, edition.id, options);
  return { created, enqueued, existing };
}
