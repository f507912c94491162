// Group commit for POST /subscribe (s../batching/group-commit.ts): one statement and one commit per request tops
// out near 1,000–1,300 requests/s; the requests of one event-loop pass are instead written by one set-based
// statement (requestSubscriptions), and their confirmations queued together. BENCHMARKS.md "## API".
import { createGroupCommit } from '../batching/group-commit.ts';
import type { Queryable } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';
import { createConfirmationQueuer } from './confirmation-queue.ts';
import { requestSubscriptions, type ConfirmationClaim, type SubscriptionRequest } from '../db/subscribers.ts';

/** Enough to amortise a commit; small enough that one batch stays one short statement. */
export const MAX_SUBSCRIPTION_BATCH = 500;
/** Batches written at the same time by one process; see createSubscriptionBatcher. */
export const MAX_BATCHES_IN_FLIGHT = 2;

export interface SubscriptionBatcher {
  /**
   * Records one request, together with every other request of the same tick: resolves once its batch is
   * committed (with the claim, if a confirmation is due); rejects, like every request of the batch, if
   * the batch could not be stored (then nothing of it was). Confirmations are queued after the callers
   * have been answered.
   */
  request(request: SubscriptionRequest): Promise<ConfirmationClaim | undefined>;
  /** Queues the confirmations still waiting to fill a job (on shutdown, once no request is in progress). */
  flush(): Promise<void>;
}

export function createSubscriptionBatcher(
  deps: { pool: Queryable; queues: Queues; logger: Logger },
  {
    resendMinutes,
    maxBatchSize = MAX_SUBSCRIPTION_BATCH,
    maxInFlight = MAX_BATCHES_IN_FLIGHT,
    confirmationLingerMs,
  }: { resendMinutes: number; maxBatchSize?: number; maxInFlight?: number; confirmationLingerMs?: number },
): SubscriptionBatcher {
  const confirmations = createConfirmationQueuer(deps, { lingerMs: confirmationLingerMs });
  const request = createGroupCommit<SubscriptionRequest, ConfirmationClaim | undefined>(
    async (requests) => {
      const claims = await requestSubscriptions(deps.pool, requests, resendMinutes);
      const due = claims.filter((claim) => claim !== undefined);
      // After the answers are on their way, so a new address does not answer later than a known one.
      if (due.length > 0) setImmediate(() => confirmations.queue(due));
      return claims;
    },
    { maxBatchSize, maxInFlight },
  );
  return {
    request,
    async flush() {
      // A batch that has just committed hands its claims over in the next pass: let it.
      await new Promise((resolve) => setImmediate(resolve));
      await confirmations.flush();
    },
  };
}
