// Group commit for POST /subscribe. One statement and one commit per request tops out near 1,000–1,300
// requests/s (planning and the commit cost more than the work); the requests that reach the API in one
// event-loop tick are instead written by one set-based statement (requestSubscriptions), and their
// confirmations queued with one addBulk. See BENCHMARKS.md "## API" for the figures.
import DataLoader from 'dataloader';
import type { Queryable } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';
import { queueConfirmations } from './confirmation-queue.ts';
import { requestSubscriptions, type ConfirmationClaim, type SubscriptionRequest } from './service.ts';

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
}

export function createSubscriptionBatcher(
  deps: { pool: Queryable; queues: Queues; logger: Logger },
  {
    resendMinutes,
    maxBatchSize = MAX_SUBSCRIPTION_BATCH,
    maxInFlight = MAX_BATCHES_IN_FLIGHT,
  }: { resendMinutes: number; maxBatchSize?: number; maxInFlight?: number },
): SubscriptionBatcher {
  // At most `maxInFlight` batches in Postgres at once; the next one gathers requests until a slot frees.
  // Under load batches grow by themselves (fewer commits, statements and queue jobs per request, all
  // on the same cores as the API); when idle a request still goes out in the tick after it arrived.
  // Only one batch waits here: once it is full, further batches go to the pool's queue as before, whose
  // length is what load shedding watches (OVERLOAD_MAX_DB_WAITING).
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const dispatchWhenFree = (dispatch: () => void) =>
    inFlight < maxInFlight || waiting.length > 0 ? setImmediate(dispatch) : waiting.push(dispatch);
  const loader = new DataLoader<SubscriptionRequest, ConfirmationClaim | undefined>(
    async (requests) => {
      inFlight++;
      try {
        const claims = await requestSubscriptions(deps.pool, requests, resendMinutes);
        const due = claims.filter((claim) => claim !== undefined);
        // After the answers are on their way, so a new address does not answer later than a known one.
        if (due.length > 0) setImmediate(() => void queueConfirmations(deps, due));
        return claims;
      } finally {
        inFlight--;
        const next = waiting.shift();
        if (next) setImmediate(next);
      }
    },
    {
      // Every request writes: nothing is cached, and the same address twice is two requests.
      cache: false,
      maxBatchSize,
      // After the poll phase rather than DataLoader's default (the current tick only): requests parsed
      // from different sockets in one pass of the event loop share a batch.
      batchScheduleFn: dispatchWhenFree,
    },
  );
  return { request: (request) => loader.load(request) };
}
