// Group commit for "sent" (src/db/group-commit.ts): results accumulate while one UPDATE is in flight and go
// in the next one. Under load that is one statement per few dozen messages; when idle, each is written at once.
// Its latency is the at-most-once window: a message the server accepted but whose row is not yet 'sent'.
import { setTimeout as sleep } from 'node:timers/promises';
import { createGroupCommit } from '../db/group-commit.ts';
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('deliveries.sql', ['record-sent']);

interface SentRow {
  id: number;
  response: string;
  sentAt: Date;
}

export interface SentRecorder {
  /** Resolves once the row says 'sent' in Postgres. */
  record(id: number, response: string, sentAt: Date): Promise<void>;
}

/**
 * `retryForMs`: a write that fails (Postgres restarting) is retried rather than given up on — giving
 * up would leave the row 'sending' and the message would be sent again.
 */
export function createSentRecorder(db: Queryable, options: { retryForMs?: number } = {}): SentRecorder {
  const retryForMs = options.retryForMs ?? 120_000;
  const write = async (batch: readonly SentRow[]): Promise<void[]> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await db.query(sql['record-sent'], [batch.map((row) => row.id), batch.map((row) => row.response), batch.map((row) => row.sentAt)]);
        return batch.map(() => undefined);
      } catch (error) {
        if (Date.now() - started > retryForMs) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 2_000));
      }
    }
  };
  // One write in flight: the next batch is whatever arrived meanwhile.
  const recordSent = createGroupCommit(write, { maxBatchSize: 1_000, maxInFlight: 1 });
  return { record: (id, response, sentAt) => recordSent({ id, response, sentAt }) };
}
