// Group commit for "sent": results accumulate while one UPDATE is in flight and go in the next one.
// Under load that is one statement per few dozen messages; when idle, each result is written at once.
// Its latency is the at-most-once window: a message the server accepted but whose row is not yet 'sent'.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('deliveries.sql', ['record-sent']);

interface Pending {
  id: number;
  response: string;
  sentAt: Date;
  resolve(): void;
  reject(error: unknown): void;
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
  let pending: Pending[] = [];
  let running = false;

  async function write(batch: Pending[]): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await db.query(sql['record-sent'], [
          batch.map((entry) => entry.id),
          batch.map((entry) => entry.response),
          batch.map((entry) => entry.sentAt),
        ]);
        return;
      } catch (error) {
        if (Date.now() - started > retryForMs) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 2_000));
      }
    }
  }

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await write(batch);
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    running = false;
  }

  return {
    record(id, response, sentAt) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ id, response, sentAt, resolve, reject });
        if (!running) {
          running = true;
          void drain();
        }
      });
    },
  };
}
