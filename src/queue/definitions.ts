// Which processor consumes which queue. Each concern owns its processor; this file only lists them.
import type { Services } from '../runtime/services.ts';
import type { WorkerDefinition } from './workers.ts';

export function workerDefinitions(_services: Services): WorkerDefinition[] {
  return [];
}
