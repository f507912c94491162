// Acting on verified provider webhook events (src/mail/webhooks/*): a permanent bounce suppresses with reason
// hard_bounce, a complaint with reason complaint, anything else is acknowledged and ignored. Each event id is
// acted on once: providers redeliver, and a replay changes nothing.
import type { Queryable } from '../db/pool.ts';
import { forgetWebhookEvent, rememberWebhookEvent, subscriberIdByEmail, suppressSubscriber } from '../db/suppressions.ts';
import type { WebhookEvent } from './webhooks/event.ts';

export interface WebhookOutcome {
  suppressed: number;
  replayed: number;
  ignored: number;
}

export async function applyWebhookEvents(db: Queryable, events: readonly WebhookEvent[]): Promise<WebhookOutcome> {
  const outcome: WebhookOutcome = { suppressed: 0, replayed: 0, ignored: 0 };
  for (const event of events) {
    const acts = event.kind === 'complaint' || (event.kind === 'bounce' && event.permanent);
    if (!acts) {
      outcome.ignored += 1;
      continue;
    }
    if (!(await rememberWebhookEvent(db, event.provider, event.eventId))) {
      outcome.replayed += 1;
      continue;
    }
    try {
      const subscriberId = await subscriberIdByEmail(db, event.email);
      const changed =
        subscriberId !== undefined &&
        (await suppressSubscriber(db, subscriberId, {
          reason: event.kind === 'complaint' ? 'complaint' : 'hard_bounce',
          detail: `${event.provider}: ${event.detail}`,
          event: `${event.kind === 'complaint' ? 'complaint' : 'hard bounce'} (${event.provider} webhook)`,
        }));
      if (changed) outcome.suppressed += 1;
      else outcome.ignored += 1;
    } catch (error) {
      // Not acted on: the provider's retry must be able to try again.
      await forgetWebhookEvent(db, event.provider, event.eventId).catch(() => {});
      throw error;
    }
  }
  return outcome;
}
