// Fan-out: one delivery row per confirmed reader (set-based, keyset pages), then the open rows go to the
// deliveries queue in batches with deterministic job ids. Memory holds one page, whatever the list size.
import type { JobsOptions } from 'bullmq';
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import type { Queues } from '../queue/queues.ts';

const sql = loadQueries('deliveries.sql', ['create-deliveries-batch', 'open-deliveries-page']);

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

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

async function enqueueBatches(
  queues: Queues,
  editionId: number,
  deliveryIds: readonly number[],
  options: FanOutOptions,
  replaceFinished = false,
): Promise<number> {
  const batches = chunk(deliveryIds, options.batchSize);
  if (batches.length === 0) return 0;
  if (replaceFinished) {
    // A finished job with the same id would make BullMQ ignore the add, and its rows would wait for nothing.
    await Promise.all(
      batches.map(async (ids) => {
        const jobId = deliveryJobId(editionId, ids[0]!);
        const state = await queues.deliveries.getJobState(jobId);
        if (state === 'completed' || state === 'failed') await queues.deliveries.remove(jobId);
      }),
    );
  }
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
    const { rows } = await db.query<{ id: number }>(sql['open-deliveries-page'], [editionId, after, pageSize]);
    if (rows.length === 0) return jobs;
    const ids = rows.map((row) => row.id);
    jobs += await enqueueBatches(queues, editionId, ids, options, true);
    after = ids[ids.length - 1]!;
    if (rows.length < pageSize) return jobs;
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
    const { rows } = await db.query<{ last_subscriber_id: number | null; walked: number; created_ids: (number | string)[] | null }>(
      sql['create-deliveries-batch'],
      [edition.id, after, pageSize, edition.editionDate, options.host],
    );
    const page = rows[0]!;
    if (page.walked === 0 || page.last_subscriber_id === null) break;
    const ids = (page.created_ids ?? []).map(Number).sort((a, b) => a - b); // int8[] arrives as strings
    created += ids.length;
    existing += page.walked - ids.length;
    enqueued += await enqueueBatches(queues, edition.id, ids, options);
    after = page.last_subscriber_id;
    if (page.walked < pageSize) break;
  }
  // Rows from an earlier run that never finished: queue them again (their batches dedupe where unchanged).
  if (existing > 0) enqueued += await enqueueOpenDeliveries(db, queues, edition.id, options);
  return { created, enqueued, existing };
}
