// Group commit: calls that arrive while earlier batches are in Postgres are written together by one
// set-based statement. A commit per call tops out near a thousand a second on this machine; a batch per
// event-loop pass costs about the same as one call. Used for subscribe requests and for "sent" rows, and for
// the rate limiter's counters in Redis (one script call per pass).
import DataLoader from 'dataloader';

export interface GroupCommitOptions {
  /** Largest batch: enough to amortise a commit, small enough to stay one short statement. */
  maxBatchSize: number;
  /**
   * Batches in Postgres at once. The next batch gathers calls until a slot frees, so under load batches
   * grow by themselves; when idle a call still goes out in the pass after it arrived. Only one batch waits
   * here: once it is full, further batches go straight to the pool's queue.
   */
  maxInFlight: number;
}

/**
 * Wraps `write` (one statement for a whole batch, returning one result per item, in order) into a
 * per-item function. A failing write rejects every call of its batch.
 */
export function createGroupCommit<Item, Result>(
  write: (batch: readonly Item[]) => Promise<Result[]>,
  { maxBatchSize, maxInFlight }: GroupCommitOptions,
): (item: Item) => Promise<Result> {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const dispatchWhenFree = (dispatch: () => void) =>
    inFlight < maxInFlight || waiting.length > 0 ? setImmediate(dispatch) : waiting.push(dispatch);
  const loader = new DataLoader<Item, Result>(
    async (batch) => {
      inFlight += 1;
      try {
        return await write(batch);
      } finally {
        inFlight -= 1;
        const next = waiting.shift();
        if (next) setImmediate(next);
      }
    },
    {
      // Every call writes: nothing is cached, and the same item twice is two calls.
      cache: false,
      maxBatchSize,
      // After the poll phase rather than DataLoader's default (the current tick only): calls made from
      // different sockets' callbacks in one pass of the event loop share a batch.
      batchScheduleFn: dispatchWhenFree,
    },
  );
  return (item) => loader.load(item);
}
