// Workers start only in processes that ask for them ("gate the consumer, never the producer").
import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Logger } from '../logger.ts';
import { createRedis } from './connection.ts';
import type { JobPayloads, QueueName } from './queues.ts';

export type ProcessorFor<Name extends QueueName> = Processor<JobPayloads[Name], unknown, Name>;

export interface WorkerDefinition<Name extends QueueName = QueueName> {
  queue: Name;
  processor: ProcessorFor<Name>;
  options?: Partial<WorkerOptions>;
}

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export interface WorkerConnection {
  redisUrl: string;
  /** BullMQ key prefix (QUEUE_PREFIX). */
  prefix: string;
  logger: Logger;
}

/** Starts one BullMQ worker per definition, each on its own blocking Redis connection. */
export function startWorkers(connectionOptions: WorkerConnection, definitions: readonly WorkerDefinition[]): RunningWorkers {
  const log = connectionOptions.logger.child({ part: 'worker' });
  const connections: ReturnType<typeof createRedis>[] = [];
  const workers = definitions.map(({ queue, processor, options }) => {
    const connection = createRedis(connectionOptions.redisUrl);
    connections.push(connection);
    const worker = new Worker(queue, processor as Processor, {
      connection,
      prefix: connectionOptions.prefix,
      concurrency: 1,
      ...options,
    });
    worker.on('failed', (job, error) => {
      const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
      log[final ? 'error' : 'warn'](
        { queue, jobId: job?.id, attempts: job?.attemptsMade, err: error },
        final ? 'job failed for good' : 'job failed; will retry',
      );
    });
    worker.on('error', (error) => log.warn({ queue, err: error }, 'worker error'));
    return worker;
  });
  return {
    workers,
    async close() {
      // close() waits for jobs in progress to finish; the shutdown timeout caps how long.
      await Promise.all(workers.map((worker) => worker.close()));
      // BullMQ does not close a connection it was given: without this the process never exits.
      for (const connection of connections) connection.disconnect();
    },
  };
}
