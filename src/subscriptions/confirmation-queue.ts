// The API's side of the confirmation email: queue it for a claim, nothing more. Rendering and sending live in
// confirmation-mail.ts, which the workers run.
import { chunk } from '../batching/chunk.ts';
import type { Queryable } from '../db/pool.ts';
import { releaseConfirmationClaims, type ConfirmationClaim } from '../db/subscribers.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';

export function describeTtl(hours: number): string {
  if (hours % 24 === 0) return hours === 24 ? '1 day' : `${hours / 24} days`;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/**
 * Claims per confirmations job. A job per address would make queueing the API's largest cost; splitting
 * many claims over several jobs lets several workers (and worker concurrency) send them in parallel.
 */
export const CLAIMS_PER_CONFIRMATION_JOB = 50;

/**
 * How long claims wait for later ones to fill a job before they are queued anyway. Under load, jobs fill in
 * a few milliseconds and leave full, one queue add per 50 readers rather than one per subscribe batch (a
 * batch holds one event-loop pass of requests, a few dozen: the add was a sixth of the API's CPU per
 * subscribe). A reader alone waits this long more for the email: nothing next to SMTP delivery.
 */
export const CONFIRMATION_LINGER_MS = 20;

/**
 * A job's id is derived from its first claim (a claim belongs to one batch only), so a retried request or
 * batch cannot queue the same confirmations twice.
 */
export const confirmationJobId = (claims: readonly ConfirmationClaim[]) => `confirm-${claims[0]!.subscriberId}-${claims[0]!.claimedAt}`;

/**
 * Queues the confirmations of a batch of claims with one round trip to Redis. If Redis refuses, the
 * claims are released (one statement) so each reader's next try sends.
 */
export async function queueConfirmations(
  deps: { queues: Queues; pool: Queryable; logger: Logger },
  claims: readonly ConfirmationClaim[],
): Promise<void> {
  if (claims.length === 0) return;
  const jobs = chunk(claims, CLAIMS_PER_CONFIRMATION_JOB).map((jobClaims) => ({
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

export interface ConfirmationQueuer {
  /** Queues these claims' emails: full jobs at once, the rest within the linger time. */
  queue(claims: readonly ConfirmationClaim[]): void;
  /** Queues every claim still waiting and resolves once all are queued (or released): on shutdown. */
  flush(): Promise<void>;
}

/** Gathers the claims of successive subscribe batches into full confirmations jobs (see CONFIRMATION_LINGER_MS). */
export function createConfirmationQueuer(
  deps: { queues: Queues; pool: Queryable; logger: Logger },
  { lingerMs = CONFIRMATION_LINGER_MS, jobSize = CLAIMS_PER_CONFIRMATION_JOB }: { lingerMs?: number; jobSize?: number } = {},
): ConfirmationQueuer {
  let waiting: ConfirmationClaim[] = [];
  let timer: NodeJS.Timeout | undefined;
  const queuing = new Set<Promise<void>>();
  const send = (claims: ConfirmationClaim[]) => {
    const queued = queueConfirmations(deps, claims).finally(() => queuing.delete(queued));
    queuing.add(queued);
  };
  const sendWaiting = () => {
    clearTimeout(timer);
    timer = undefined;
    if (waiting.length > 0) send(waiting);
    waiting = [];
  };
  return {
    queue(claims) {
      waiting.push(...claims);
      const full = waiting.length - (waiting.length % jobSize);
      if (full > 0) {
        send(waiting.slice(0, full));
        waiting = waiting.slice(full);
      }
      if (waiting.length === 0) sendWaiting();
      else timer ??= setTimeout(sendWaiting, lingerMs);
    },
    async flush() {
      sendWaiting();
      await Promise.all(queuing);
    },
  };
}
