// Repeatable jobs. upsertJobScheduler is idempotent: every process may call it, one job fires per tick.
import type { Services } from '../runtime/services.ts';

export async function installSchedules(_services: Services): Promise<void> {}
