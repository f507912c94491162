// The console's reader queries: search by address, one reader's state, history and deliveries (src/db/sql/readers.sql).
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';
import type { SubscriberStatus } from './subscribers.ts';

const sql = loadQueries('readers.sql', ['search-readers', 'find-reader', 'reader-events', 'reader-deliveries']);

export interface ReaderMatch {
  id: number;
  email: string;
  status: SubscriberStatus;
  createdAt: Date;
}

/** Readers whose address is `query` or starts with it (case-insensitive), the exact match first; at most 50. */
export async function searchReaders(db: Queryable, query: string): Promise<ReaderMatch[]> {
  const text = query.trim().toLowerCase();
  if (text === '') return [];
  const prefix = `${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
  const { rows } = await db.query<ReaderMatch>(sql['search-readers'], [text, prefix]);
  return rows;
}

export interface Reader {
  id: number;
  email: string;
  emailInput: string;
  status: SubscriberStatus;
  createdAt: Date;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  suppressedAt: Date | null;
  suppressionReason: string | null;
  /** The reply or report that caused the suppression. */
  suppressionDetail: string | null;
}

export async function findReader(db: Queryable, id: number): Promise<Reader | undefined> {
  const { rows } = await db.query<Reader>(sql['find-reader'], [id]);
  return rows[0];
}

export interface ReaderEvent {
  status: SubscriberStatus;
  reason: string;
  occurredAt: Date;
}

export async function readerEvents(db: Queryable, id: number): Promise<ReaderEvent[]> {
  const { rows } = await db.query<ReaderEvent>(sql['reader-events'], [id]);
  return rows;
}

export interface ReaderDelivery {
  editionDate: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
}

export async function readerDeliveries(db: Queryable, id: number): Promise<ReaderDelivery[]> {
  const { rows } = await db.query<ReaderDelivery>(sql['reader-deliveries'], [id]);
  return rows;
}
