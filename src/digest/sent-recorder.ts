// Group commit for "sent" (s../batching/group-commit.ts): results accumulate while one UPDATE is in flight and go
// in the next one. Under load that is one statement per few dozen messages; when idle, each is written at once.
// Its latency is the at-most-once window: a message the server accepted but whose row is not yet 'sent'.
import { setTimeout as sleep } from 'node:timers/promises';
import { createGroupCommit } from '../batching/group-commit.ts';
import { recordSent, type SentDelivery } from '../db/deliveries.ts';
import type { Queryable } from '../db/pool.ts';

export interface SentRecorder {
  /**
   * Resolves once the row says 'sent' in Postgres. `paperIds`: a personal digest's papers (kept in sent_papers);
   * undefined for the edition's shared digest.
   */
  record(id: number, response: string, sentAt: Date, paperIds: readonly number[] | undefined): Promise<void>;
}

/**
 * `retryForMs`: a write that fails (Postgres restarting) is retried rather than given up on — giving
 * up would leave the row 'sending' and the message would be sent again.
 */
export function createSentRecorder(db: Queryable, options: { retryForMs?: number } = {}): SentRecorder {
  const retryForMs = options.retryForMs ?? 120_000;
  const write = async (batch: readonly SentDelivery[]): Promise<void[]> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await recordSent(db, batch);
        return batch.map(() => undefined);
      } catch (error) {
        if (Date.now() - started > retryForMs) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 2_000));
      }
    }
  };
  // One write in flight: the next batch is whatever arrived meanwhile.
  const recordSentTogether = createGroupCommit(write, { maxBatchSize: 1_000, maxInFlight: 1 });
  return { record: (id, response, sentAt, paperIds) => recordSentTogether({ id, response, sentAt, paperIds }) };
}
