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

/** The job id is derived from the claim, so a retried request or batch cannot queue one confirmation twice. */
export const confirmationJobId = (claim: ConfirmationClaim) => `confirm-${claim.subscriberId}-${claim.claimedAt}`;

/**
 * Queues the confirmations of a batch of claims with one round trip to Redis. If Redis refuses, the
 * claims are released so each reader's next try sends.
 */
export async function queueConfirmations(
  deps: { queues: Queues; pool: Queryable; logger: Logger },
  claims: readonly ConfirmationClaim[],
): Promise<void> {
  if (claims.length === 0) return;
  try {
    await deps.queues.confirmations.addBulk(
      claims.map((claim) => ({ name: 'confirmations' as const, data: claim, opts: { jobId: confirmationJobId(claim) } })),
    );
  } catch (error) {
    deps.logger.error({ err: error, claims: claims.length }, 'could not queue confirmations; releasing their claims');
    await releaseConfirmationClaims(
      deps.pool,
      claims.map((claim) => claim.subscriberId),
    ).catch(() => {});
  }
}
