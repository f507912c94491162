// A reader's own data, complete by construction: every table with a foreign key to subscribers is found in the
// catalog (src/db/sql/readers.sql tables-referencing-subscribers), so a table added later is exported and erased
// without being listed anywhere. What is kept by address (suppressions, their lifts, confirmation slots) is added by name.
import pg from 'pg';
import { withTransaction, type Pool, type Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('readers.sql', [
  'tables-referencing-subscribers',
  'reader-row',
  'reader-id-by-email',
  'address-rows',
  'keep-erased-suppression',
  'forget-address',
  'delete-reader',
]);

export interface ReferencingTable {
  schema: string;
  table: string;
  column: string;
}

export async function tablesReferencingSubscribers(db: Queryable): Promise<ReferencingTable[]> {
  const { rows } = await db.query<ReferencingTable>(sql['tables-referencing-subscribers']);
  return rows;
}

const qualified = (t: ReferencingTable) => `${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.table)}`;

export interface ReaderExport {
  exportedAt: string;
  /** The subscribers row as stored. */
  reader: Record<string, unknown>;
  /** Each table that references the reader (by its foreign key), with the reader's rows in it. */
  tables: Record<string, Record<string, unknown>[]>;
  suppressions: Record<string, unknown>[];
  suppressionLifts: Record<string, unknown>[];
  /** The inbox's confirmation throttle slot, while this address holds it. */
  confirmationSlots: Record<string, unknown>[];
}

/** Everything held about one reader, as JSON; undefined when there is no such reader. */
export async function exportReader(db: Queryable, subscriberId: number): Promise<ReaderExport | undefined> {
  const found = await db.query<{ row: Record<string, unknown>; key: string }>(sql['reader-row'], [subscriberId]);
  const reader = found.rows[0];
  if (!reader) return undefined;
  const referencing = await tablesReferencingSubscribers(db);
  const tables: ReaderExport['tables'] = {};
  if (referencing.length > 0) {
    // One statement: a scalar subquery per referencing table, each an index lookup on its foreign key.
    const columns = referencing.map(
      (t, index) =>
        `(SELECT coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb) FROM ${qualified(t)} r WHERE r.${pg.escapeIdentifier(t.column)} = $1) AS t${index}`,
    );
    const { rows } = await db.query<Record<string, Record<string, unknown>[]>>(`SELECT ${columns.join(', ')}`, [subscriberId]);
    referencing.forEach((t, index) => {
      const name = t.schema === 'public' ? t.table : `${t.schema}.${t.table}`;
      tables[name] = [...(tables[name] ?? []), ...rows[0]![`t${index}`]!];
    });
  }
  const address = await db.query<Pick<ReaderExport, 'suppressions' | 'suppressionLifts' | 'confirmationSlots'>>(sql['address-rows'], [
    reader.key,
  ]);
  return { exportedAt: new Date().toISOString(), reader: reader.row, tables, ...address.rows[0]! };
}

export async function readerIdByEmail(db: Queryable, email: string): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(sql['reader-id-by-email'], [email]);
  return rows[0]?.id;
}

export interface Erasure {
  /** A subscriber row was deleted (false: only an address-keyed suppression was there, or nothing). */
  erased: boolean;
  /** The suppression kept under the address's keyed hash, if one applied. */
  suppressionKept: string | null;
}

/**
 * Deletes the reader and everything tied to them in one transaction: each referencing table's rows (found in the
 * catalog, so a table without ON DELETE CASCADE is emptied too), their lifted suppressions and outbox mail, then
 * the reader. A suppression stays under `erasedKey` alone, so the address is never mailed again.
 * `email` is the address when there is no subscriber row (a suppression only); otherwise the row's address is used.
 */
export async function eraseReader(
  pool: Pool,
  target: { subscriberId: number } | { email: string },
  erasedKeyOf: (email: string) => string,
): Promise<Erasure> {
  return withTransaction(pool, async (client) => {
    let subscriberId: number | undefined;
    let key: string;
    if ('subscriberId' in target) {
      const { rows } = await client.query<{ key: string }>(`${sql['reader-row']} FOR UPDATE`, [target.subscriberId]);
      if (!rows[0]) return { erased: false, suppressionKept: null };
      subscriberId = target.subscriberId;
      key = rows[0].key;
    } else {
      key = target.email.toLowerCase();
      subscriberId = await readerIdByEmail(client, key);
    }
    const kept = await client.query<{ reason: string }>(sql['keep-erased-suppression'], [key, erasedKeyOf(key)]);
    await client.query(sql['forget-address'], [key]);
    if (subscriberId !== undefined) {
      for (const t of await tablesReferencingSubscribers(client)) {
        await client.query(`DELETE FROM ${qualified(t)} WHERE ${pg.escapeIdentifier(t.column)} = $1`, [subscriberId]);
      }
      await client.query(sql['delete-reader'], [subscriberId]);
    }
    return { erased: subscriberId !== undefined, suppressionKept: kept.rows[0]?.reason ?? null };
  });
}
