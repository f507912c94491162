// How deep each queue is and how many workers listen on it, asked of Redis (BullMQ) when wanted: right whichever
// process runs the workers.
import type { QueueName, Queues } from './queues.ts';

export interface QueueStats {
  name: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Workers connected to this queue now (BullMQ getWorkers: one Redis client each). */
  workers: number;
}

export async function queueStats(queues: Queues): Promise<QueueStats[]> {
  return Promise.all(
    (Object.keys(queues) as QueueName[]).map(async (name) => {
      const queue = queues[name];
      const [counts, workers] = await Promise.all([
        queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
        queue.getWorkersCount(),
      ]);
      return {
        name,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        workers,
      };
    }),
  );
}
