// Storage that stops growing: an edition's delivery rows are kept DELIVERY_RETENTION_DAYS, then its counts go to
// edition_delivery_counts (what history and progress read from then on) and the rows are deleted in short
// batches, each its own statement and transaction, so senders and the API never wait behind a long lock.
import { deleteEditionDeliveriesBatch, editionsToPrune, markEditionPruned, summarizeEditionDeliveries } from '../db/retention.ts';
import type { Queryable } from '../db/pool.ts';

/** Rows per DELETE: about 50 ms of work on a loaded machine, short enough to go unnoticed by the senders. */
export const PRUNE_BATCH = 5_000;

export interface PruneResult {
  editions: number;
  deleted: number;
}

/** The first edition date kept: `today` minus `retentionDays` (YYYY-MM-DD). */
export function retentionCutoff(today: string, retentionDays: number): string {
  const day = new Date(`${today}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - retentionDays);
  return day.toISOString().slice(0, 10);
}

/**
 * Summarises and deletes the deliveries of editions older than `retentionDays` before `today`. Editions
 * with rows still open are left alone (their rows are still needed); a crash halfway resumes on the next run.
 */
export async function pruneOldDeliveries(
  db: Queryable,
  options: { today: string; retentionDays: number; batchSize?: number },
): Promise<PruneResult> {
  if (options.retentionDays <= 0) return { editions: 0, deleted: 0 };
  const batchSize = options.batchSize ?? PRUNE_BATCH;
  let deleted = 0;
  const editions = await editionsToPrune(db, retentionCutoff(options.today, options.retentionDays));
  for (const edition of editions) {
    await summarizeEditionDeliveries(db, edition.id);
    for (;;) {
      const gone = await deleteEditionDeliveriesBatch(db, edition.id, batchSize);
      deleted += gone;
      if (gone < batchSize) break;
    }
    await markEditionPruned(db, edition.id);
  }
  return { editions: editions.length, deleted };
}
