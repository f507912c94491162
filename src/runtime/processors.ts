// Which processor consumes which queue, and the repeatable jobs: the one place that knows every domain's jobs.
// Each domain exports its processors and schedules; queue/ only runs them.
import { deliveriesProcessor } from '../digest/deliveries-job.ts';
import { digestProcessor } from '../digest/digest-job.ts';
import { installDigestSchedules, reinstallDigestSchedulesOnReconnect } from '../digest/schedule.ts';
import { ingestProcessor, installIngestSchedule } from '../papers/ingest-job.ts';
import { startWorkers, type RunningWorkers, type WorkerDefinition } from '../queue/workers.ts';
import { confirmationsProcessor } from '../subscriptions/confirmation-mail.ts';
import type { Services } from './services.ts';

export function workerDefinitions(services: Services): WorkerDefinition[] {
  return [
    ingestProcessor(services) as WorkerDefinition,
    confirmationsProcessor(services) as WorkerDefinition,
    digestProcessor(services) as WorkerDefinition,
    deliveriesProcessor(services) as WorkerDefinition,
  ];
}

/** upsertJobScheduler is idempotent: every worker process installs them, one job fires per tick. */
export async function installSchedules(services: Services): Promise<void> {
  await installIngestSchedule(services);
  await installDigestSchedules(services);
  reinstallDigestSchedulesOnReconnect(services);
}

/** Starts BullMQ workers for `definitions` (by default every processor) on the services' Redis and prefix. */
export function startProcessors(
  services: Services,
  definitions: readonly WorkerDefinition[] = workerDefinitions(services),
): RunningWorkers {
  return startWorkers({ redisUrl: services.env.REDIS_URL, prefix: services.env.QUEUE_PREFIX, logger: services.logger }, definitions);
}
