// The scheduled ingest: BullMQ fetches PAPERS_SOURCE_URL on PAPERS_CRON, retrying with backoff.
import { UnrecoverableError } from 'bullmq';
import type { Env } from '../config/env.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';
import type { WorkerDefinition } from '../queue/workers.ts';
import { fetchListing, ListingFetchError } from './fetch.ts';
import { ingestListing, type IngestSummary } from './ingest.ts';

// BullMQ types a scheduler id as the queue's job name; the ingest queue has this one scheduler.
export const INGEST_SCHEDULER_ID = 'ingest';
/** Tries per scheduled fetch; the backoff doubles from 30 s (30 s, 1 min, 2 min, 4 min). */
export const INGEST_ATTEMPTS = 5;
export const INGEST_BACKOFF_MS = 30_000;

export interface IngestServices {
  env: Env;
  pool: Pool;
  logger: Logger;
}

/** Fetches and loads one listing; any failure leaves the database as it was (one transaction). */
export async function ingestFromUrl(
  services: IngestServices,
  url: string,
  observedAt = new Date(),
): Promise<Omit<IngestSummary, 'rejected'> & { rejected: number }> {
  const { env, pool, logger } = services;
  let text: string;
  try {
    text = await fetchListing(url, { timeoutMs: env.PAPERS_FETCH_TIMEOUT_MS, maxBytes: env.PAPERS_MAX_BYTES });
  } catch (error) {
    // Retrying a 404 or an oversized body only delays the alert.
    if (error instanceof ListingFetchError && !error.retryable) throw new UnrecoverableError(error.message);
    throw error;
  }
  const summary = await ingestListing(pool, text, { observedAt });
  const log = logger.child({ part: 'ingest', url });
  if (summary.rejected.length > 0) {
    log.warn({ rejected: summary.rejected.slice(0, 20), total: summary.rejected.length }, 'listing entries rejected');
  }
  log.info({ inserted: summary.inserted, updated: summary.updated, snapshots: summary.snapshots }, 'papers ingested');
  return { ...summary, rejected: summary.rejected.length };
}

export function ingestProcessor(services: IngestServices): WorkerDefinition<'ingest'> {
  return {
    queue: 'ingest',
    processor: async (job) => ingestFromUrl(services, job.data.url),
  };
}

/** On when PAPERS_SOURCE_URL is set; removed when it is not (a scheduler outlives the config that made it). */
export async function installIngestSchedule(services: {
  env: Pick<Env, 'PAPERS_SOURCE_URL' | 'PAPERS_CRON' | 'DIGEST_TZ'>;
  queues: Pick<Queues, 'ingest'>;
}): Promise<void> {
  const { env, queues } = services;
  if (!env.PAPERS_SOURCE_URL) {
    await queues.ingest.removeJobScheduler(INGEST_SCHEDULER_ID);
    return;
  }
  await queues.ingest.upsertJobScheduler(
    INGEST_SCHEDULER_ID,
    { pattern: env.PAPERS_CRON, tz: env.DIGEST_TZ },
    {
      name: 'ingest',
      data: { url: env.PAPERS_SOURCE_URL },
      opts: { attempts: INGEST_ATTEMPTS, backoff: { type: 'exponential', delay: INGEST_BACKOFF_MS } },
    },
  );
}
