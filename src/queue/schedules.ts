// Repeatable jobs. upsertJobScheduler is idempotent: every process may call it, one job fires per tick.
import { installDigestSchedules, reinstallDigestSchedulesOnReconnect } from '../digest/schedule.ts';
import { installIngestSchedule } from '../papers/ingest-job.ts';
import type { Services } from '../runtime/services.ts';

export async function installSchedules(services: Services): Promise<void> {
  await installIngestSchedule(services);
  await installDigestSchedules(services);
  reinstallDigestSchedulesOnReconnect(services);
}
