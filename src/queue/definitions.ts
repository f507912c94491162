// Which processor consumes which queue. Each concern owns its processor; this file only lists them.
import { deliveriesWorkerDefinition } from '../digest/deliveries-job.ts';
import { digestWorkerDefinition } from '../digest/digest-job.ts';
import { ingestWorkerDefinition } from '../papers/ingest-job.ts';
import type { Services } from '../runtime/services.ts';
import { confirmationWorker } from '../subscriptions/confirmation-mail.ts';
import type { WorkerDefinition } from './workers.ts';

export function workerDefinitions(services: Services): WorkerDefinition[] {
  return [
    ingestWorkerDefinition(services) as WorkerDefinition,
    confirmationWorker(services) as WorkerDefinition,
    digestWorkerDefinition(services) as WorkerDefinition,
    deliveriesWorkerDefinition(services) as WorkerDefinition,
  ];
}
