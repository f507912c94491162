// Lifting a suppression by hand (`paperboy suppressions remove`, the console's "Lift suppression"): a complaint is
// the reader's own word, so it is lifted only when forced.
import { findSuppression, liftSuppression, type SuppressionReason } from '../db/suppressions.ts';
import type { Queryable } from '../db/pool.ts';

export type LiftOutcome =
  | { kind: 'not-suppressed' }
  | { kind: 'complaint-needs-force' }
  | { kind: 'lifted'; was: SuppressionReason; subscriberStatus: string | null };

export async function liftSuppressionByHand(
  db: Queryable,
  email: string,
  { force, reason }: { force: boolean; reason: string },
): Promise<LiftOutcome> {
  const found = await findSuppression(db, email);
  if (!found) return { kind: 'not-suppressed' };
  if (found.reason === 'complaint' && !force) return { kind: 'complaint-needs-force' };
  const lifted = await liftSuppression(db, email, { forced: force, reason });
  if (!lifted) return { kind: 'not-suppressed' };
  return { kind: 'lifted', was: lifted.reason, subscriberStatus: lifted.subscriberStatus };
}
