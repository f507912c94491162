// The `digest` queue: build (or reuse) the edition of a date and fan it out. The daily scheduler and
// `paperboy digest` add the same job; a 'recover' job re-enqueues open deliveries after a Redis loss.
import type { Job, JobsOptions } from 'bullmq';
import type { Env } from '../config/env.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import { mailHost } from '../mail/address.ts';
import { removeFinishedJob } from '../queue/jobs.ts';
import type { JobPayloads, Queues } from '../queue/queues.ts';
import type { WorkerDefinition } from '../queue/workers.ts';
import { dateIn, rankingMomentFor } from './calendar.ts';
import { editionsWithOpenDeliveries, lastSlotRunBefore, markEditionFannedOut, recordSlotRun } from '../db/editions.ts';
import { buildEdition } from './edition.ts';
import { enqueueOpenDeliveries, fanOutEdition, type FanOutOptions } from './fan-out.ts';
import { pruneOldDeliveries } from './retention.ts';
import { pruneSentPapers } from '../db/reader-settings.ts';
import type { DeliveryPreference } from './delivery-slots.ts';
import { editionDateForSlot, missedSlots, slotStartOf, weekdayOf, type DueRun } from './due.ts';
import { defaultSettingsFor } from '../subscriptions/preferences.ts';

export type DigestJobResult =
  | { editionDate: string; editionId: null; reason: 'no trending papers' }
  | { editionDate: string; editionId: number; built: boolean; created: number; enqueuedJobs: number }
  | { recovered: { editionId: number; jobs: number }[] };

export interface DigestJobDeps {
  env: Env;
  pool: Pool;
  queues: Queues;
  logger: Logger;
}

/** Job id of a date's digest (or of one hour's): two triggers for one run while the first is pending run it once. */
export const digestJobId = (editionDate: string, slot?: Date) =>
  slot ? `digest-${slot.toISOString().slice(0, 13)}h` : `digest-${editionDate}`;

/** Every digest job, by hand or by the scheduler: a failed build (Postgres away, a template error) is tried again. */
export const DIGEST_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 5_000 } } as const satisfies JobsOptions;

export function deliveryJobOptions(env: Env): FanOutOptions {
  return {
    batchSize: env.DELIVERY_BATCH_SIZE,
    host: mailHost(env.MAIL_FROM),
    jobOptions: {
      attempts: env.DELIVERY_MAX_ATTEMPTS,
      backoff: { type: 'exponential', delay: env.DELIVERY_RETRY_DELAY_MS },
      removeOnComplete: { age: 24 * 3600, count: 50_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  };
}

/**
 * Adds the digest job of `editionDate` by hand. A finished job with the same id is removed first, so a
 * rerun really runs (and re-enqueues what is not final); a pending or running one is left alone.
 */
export async function enqueueDigest(queues: Queues, editionDate: string, slot?: Date): Promise<Job<JobPayloads['digest']>> {
  const jobId = digestJobId(editionDate, slot);
  await removeFinishedJob(queues.digest, jobId);
  const data = { date: editionDate, trigger: 'manual' as const, ...(slot && { slot: slot.toISOString() }) };
  return queues.digest.add('digest', data, { ...DIGEST_JOB_OPTIONS, jobId });
}

/** Readers who saved no settings: DIGEST_CRON's hour in DIGEST_TZ, every day. */
export function digestDefault(env: Pick<Env, 'DIGEST_SIZE' | 'DIGEST_CRON' | 'DIGEST_TZ'>): DeliveryPreference {
  const defaults = defaultSettingsFor(env);
  return { frequency: 'daily', weekday: 1, hour: defaults.hour, timeZone: defaults.timeZone };
}

/**
 * Which readers a run sends to and which edition: a scheduled run (hourly) is the current UTC hour, `--hour` one
 * given hour, both sending the edition of the last DIGEST_CRON; a manual run without an hour is a whole day.
 */
export function runOf(
  env: Pick<Env, 'DIGEST_CRON' | 'DIGEST_TZ'>,
  data: JobPayloads['digest'],
  now = new Date(),
): { editionDate: string; run: DueRun } {
  if (data.slot || data.trigger === 'schedule') {
    const start = data.slot ? new Date(data.slot) : slotStartOf(now);
    return { editionDate: data.date ?? editionDateForSlot(start, env.DIGEST_CRON, env.DIGEST_TZ), run: { kind: 'slot', start } };
  }
  const editionDate = data.date ?? dateIn(env.DIGEST_TZ, now);
  return { editionDate, run: { kind: 'day', weekday: weekdayOf(editionDate) } };
}

export async function runDigest(services: DigestJobDeps, data: JobPayloads['digest']): Promise<DigestJobResult> {
  const { env, pool, queues } = services;
  const log = services.logger.child({ part: 'digest' });
  const options = deliveryJobOptions(env);

  if (data.trigger === 'recover') {
    // Only when the deliveries queue is empty (a Redis restart lost it) yet Postgres has open rows.
    const counts = await queues.deliveries.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    if (Object.values(counts).some((count) => count > 0)) return { recovered: [] };
    const recovered = [];
    for (const edition of await editionsWithOpenDeliveries(pool, dateIn(env.DIGEST_TZ))) {
      const jobs = await enqueueOpenDeliveries(pool, queues, edition.id, options);
      log.warn({ editionDate: edition.editionDate, jobs }, 'open deliveries had no job: re-enqueued them');
      recovered.push({ editionId: edition.id, jobs });
    }
    return { recovered };
  }

  const { editionDate, run } = runOf(env, data);
  // The scheduler's run also serves this edition's hours since the last run that no run served (the workers were
  // down, Redis away): those readers get it late rather than never. A run by hand (`--hour`) is that hour only.
  if (run.kind === 'slot' && data.trigger === 'schedule') {
    run.missed = missedSlots(run.start, await lastSlotRunBefore(pool, run.start), env.DIGEST_CRON, env.DIGEST_TZ);
    if (run.missed.length > 0)
      log.warn(
        { editionDate, slot: run.start.toISOString(), missed: run.missed.map((at) => at.toISOString()) },
        'catching up hours no run served',
      );
  }
  // Once a day, after today's batches are queued (the senders start at once): old editions' deliveries become
  // counts (src/digest/retention.ts).
  const prune = async () => {
    const pruned = await pruneOldDeliveries(pool, { today: dateIn(env.DIGEST_TZ), retentionDays: env.DELIVERY_RETENTION_DAYS });
    if (pruned.editions > 0) log.info({ ...pruned, retentionDays: env.DELIVERY_RETENTION_DAYS }, 'old deliveries summarised and removed');
    // A paper sent before the trending window and a week's pools began can no longer come back.
    const forgotten = await pruneSentPapers(pool, env.TRENDING_WINDOW_HOURS + 8 * 24);
    if (forgotten > 0) log.info({ rows: forgotten }, 'sent papers past the trending window and the week forgotten');
  };
  const result = await buildEdition(pool, env, editionDate, rankingMomentFor(editionDate, env.DIGEST_TZ));
  if (result.kind === 'empty') {
    log.info({ editionDate, trigger: data.trigger }, 'no trending papers: no edition and no email today');
    await prune();
    return { editionDate, editionId: null, reason: 'no trending papers' };
  }
  const { edition } = result;
  const started = Date.now();
  const fanOut = await fanOutEdition(pool, queues, edition, options, { run, digestDefault: digestDefault(env) });
  await markEditionFannedOut(pool, edition.id);
  // Only the scheduler's runs are the record: a run by hand of one hour must not hide the hours missed before it.
  if (run.kind === 'slot' && data.trigger === 'schedule') await recordSlotRun(pool, run.start, edition.id);
  log.info(
    {
      editionDate,
      editionId: edition.id,
      built: result.kind === 'built',
      trigger: data.trigger,
      ...(run.kind === 'slot' && { slot: run.start.toISOString() }),
      ...fanOut,
      ms: Date.now() - started,
    },
    'edition fanned out',
  );
  await prune();
  return { editionDate, editionId: edition.id, built: result.kind === 'built', created: fanOut.created, enqueuedJobs: fanOut.enqueued };
}

export function digestProcessor(services: DigestJobDeps): WorkerDefinition<'digest'> {
  return {
    queue: 'digest',
    processor: (job) => runDigest(services, job.data),
    options: { concurrency: 1 },
  };
}
