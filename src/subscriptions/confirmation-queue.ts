// The API's side of the confirmation email: queue it for a claim, nothing more. Rendering and sending live in
// confirmation-mail.ts, which only workers load (MJML is heavy and the API never needs it).
import type { Queryable } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queue/queues.ts';
import { releaseConfirmationClaim, type ConfirmationClaim } from './service.ts';

export function describeTtl(hours: number): string {
  if (hours % 24 === 0) return hours === 24 ? '1 day' : `${hours / 24} days`;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/**
 * Queues the confirmation for a claim. The job id is derived from the claim, so a retried request
 * cannot queue it twice; if Redis refuses, the claim is released so the reader's next try sends.
 */
export async function queueConfirmation(
  deps: { queues: Queues; pool: Queryable; logger: Logger },
  claim: ConfirmationClaim,
): Promise<void> {
  try {
    await deps.queues.confirmations.add('confirmations', claim, { jobId: `confirm-${claim.subscriberId}-${claim.claimedAt}` });
  } catch (error) {
    deps.logger.error({ err: error, subscriberId: claim.subscriberId }, 'could not queue a confirmation; releasing the claim');
    await releaseConfirmationClaim(deps.pool, claim.subscriberId).catch(() => {});
  }
}
