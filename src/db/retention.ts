// Delivery retention: an edition's rows are kept DELIVERY_RETENTION_DAYS, then summarised into
// edition_delivery_counts and deleted in short batches (no long lock, no table rewrite).
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('retention.sql', [
  'editions-to-prune',
  'summarize-edition-deliveries',
  'delete-edition-deliveries-batch',
  'mark-edition-pruned',
]);

/** Editions before `cutoff` (YYYY-MM-DD) with delivery rows left and none open, oldest first. */
export async function editionsToPrune(db: Queryable, cutoff: string): Promise<{ id: number; editionDate: string }[]> {
  const { rows } = await db.query<{ id: number | string; editionDate: string }>(sql['editions-to-prune'], [cutoff]);
  return rows.map((row) => ({ id: Number(row.id), editionDate: row.editionDate }));
}

export async function summarizeEditionDeliveries(db: Queryable, editionId: number): Promise<void> {
  await db.query(sql['summarize-edition-deliveries'], [editionId]);
}

/** Deletes up to `limit` of the edition's delivery rows; returns how many went. */
export async function deleteEditionDeliveriesBatch(db: Queryable, editionId: number, limit: number): Promise<number> {
  const result = await db.query(sql['delete-edition-deliveries-batch'], [editionId, limit]);
  return result.rowCount ?? 0;
}

export async function markEditionPruned(db: Queryable, editionId: number): Promise<void> {
  await db.query(sql['mark-edition-pruned'], [editionId]);
}
