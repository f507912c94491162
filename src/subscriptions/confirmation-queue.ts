// The API's side of the confirmation email: queue it for a claim, nothing more. Rendering and sending live in
// confirmation-mail.ts, which only workers load (MJML is heavy and the API never needs it).
import type { Queryable } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';
import { releaseConfirmationClaims, type ConfirmationClaim } from './service.ts';

export function describeTtl(hours: number): string {
  if (hours % 24 === 0) return hours === 24 ? '1 day' : `${hours / 24} days`;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/**
 * Claims per confirmations job. One job per subscribe batch (not per address) keeps queueing cheap for the
 * API; splitting very large batches lets several workers (and worker concurrency) send them in parallel.
 */
export const CLAIMS_PER_CONFIRMATION_JOB = 50;

/**
 * A job's id is derived from its first claim (a claim belongs to one batch only), so a retried request or
 * batch cannot queue the same confirmations twice.
 */
export const confirmationJobId = (claims: readonly ConfirmationClaim[]) => `confirm-${claims[0]!.subscriberId}-${claims[0]!.claimedAt}`;

/** Splits a batch's claims into jobs of at most `size` claims, in order. */
export function confirmationJobs(claims: readonly ConfirmationClaim[], size = CLAIMS_PER_CONFIRMATION_JOB): ConfirmationClaim[][] {
  const jobs: ConfirmationClaim[][] = [];
  for (let start = 0; start < claims.length; start += size) jobs.push(claims.slice(start, start + size));
  return jobs;
}

/**
 * Queues the confirmations of a batch of claims with one round trip to Redis. If Redis refuses, the
 * claims are released (one statement) so each reader's next try sends.
 */
export async function queueConfirmations(
  deps: { queues: Queues; pool: Queryable; logger: Logger },
  claims: readonly ConfirmationClaim[],
): Promise<void> {
  if (claims.length === 0) return;
  const jobs = confirmationJobs(claims).map((jobClaims) => ({
    name: 'confirmations' as const,
    data: { claims: jobClaims },
    opts: { jobId: confirmationJobId(jobClaims) },
  }));
  try {
    // add() costs a third of a one-job addBulk(); addBulk keeps several jobs all-or-nothing, so that a
    // refusal releases only claims whose emails were not queued.
    if (jobs.length === 1) await deps.queues.confirmations.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
    else await deps.queues.confirmations.addBulk(jobs);
  } catch (error) {
    deps.logger.error({ err: error, claims: claims.length }, 'could not queue confirmations; releasing their claims');
    await releaseConfirmationClaims(
      deps.pool,
      claims.map((claim) => claim.subscriberId),
    ).catch(() => {});
  }
}
