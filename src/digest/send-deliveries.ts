// Sends one batch of an edition's deliveries: claim the rows, build each message from the frozen edition,
// send through the SMTP pool, record the outcome. Knows nothing of BullMQ.
import type { LimitFunction } from 'p-limit';
import type { Env } from '../config/env.ts';
import { claimDeliveries, recordBounced, recordDeferred, recordFailed, type DeliveryError } from '../db/deliveries.ts';
import { notePauseReason, tallySendOutcomes, type PauseRule } from '../db/edition-pause.ts';
import { findEditionById } from '../db/editions.ts';
import type { Queryable } from '../db/pool.ts';
import { maskEmail, type Logger } from '../logger.ts';
import { createDigestMessageFactory, type DigestMessageFactory } from '../mail/digest-message.ts';
import { mailHost } from '../mail/address.ts';
import type { DkimSigner } from '../mail/dkim.ts';
import type { Mailer } from '../mail/mailer.ts';
import { envelopeSender, readerUnsubscribeMailto } from '../mail/return-path.ts';
import { refusalFromNodemailerError } from '../mail/refusals.ts';
import type { Keys } from '../security/keys.ts';
import { unsubscribeUrl } from '../subscriptions/links.ts';
import { UNSUBSCRIBE_PLACEHOLDER } from './render.ts';
import type { SentRecorder } from './sent-recorder.ts';

export interface DeliveryDeps {
  db: Queryable;
  env: Pick<
    Env,
    'PUBLIC_URL' | 'MAIL_FROM' | 'MAIL_UNSUBSCRIBE_MAILTO' | 'BOUNCE_ADDRESS' | 'SEND_PAUSE_MIN_ATTEMPTS' | 'SEND_PAUSE_REFUSAL_RATE'
  >;
  keys: Keys;
  mailer: Mailer;
  /** Signs each digest as it is built (the edition's body hashed once per process); undefined: unsigned. */
  dkim?: DkimSigner;
  recorder: SentRecorder;
  /** At most this many messages built and in the SMTP pool at once per process (p-limit). */
  limiter: LimitFunction;
  logger: Logger;
  /** Message factories per edition, built once per process from the frozen templates. */
  factories: Map<number, Promise<DigestMessageFactory>>;
}

export interface DeliveryBatch {
  editionId: number;
  deliveryIds: readonly number[];
  /** Who holds the claim (deliveryClaimToken): the same job retried after a crash takes its rows back. */
  claimToken: string;
  /** A 'sending' row claimed by someone else is taken over after this long (their job is dead). */
  staleClaimSeconds: number;
  /** Out of retries: temporary failures become 'failed' instead of waiting for another attempt. */
  finalAttempt: boolean;
}

export interface DeliveryBatchResult {
  claimed: number;
  sent: number;
  /** Refused at RCPT for a mailbox reason: failed, and the address suppressed. */
  bounced: number;
  /** Refused for good for any other reason (policy, content, at MAIL FROM or DATA): failed, nobody suppressed. */
  refused: number;
  deferred: number;
  failed: number;
  /** Not sent because the edition is paused (the circuit breaker): back to queued, for `--resume`. */
  held: number;
}

function messageFactory(deps: DeliveryDeps, editionId: number): Promise<DigestMessageFactory> {
  let factory = deps.factories.get(editionId);
  if (!factory) {
    factory = findEditionById(deps.db, editionId).then((edition) => {
      if (!edition) throw new Error(`edition ${editionId} does not exist`);
      return createDigestMessageFactory(
        edition,
        { from: deps.env.MAIL_FROM, feedbackId: `${edition.editionDate}:digest:${mailHost(deps.env.MAIL_FROM)}:paperboy` },
        UNSUBSCRIBE_PLACEHOLDER,
        deps.dkim,
      );
    });
    factory.catch(() => deps.factories.delete(editionId));
    // Editions are daily: keeping the last few is plenty.
    if (deps.factories.size >= 4) deps.factories.delete(deps.factories.keys().next().value!);
    deps.factories.set(editionId, factory);
  }
  return factory;
}

/** `mailbox`: refused at RCPT for a mailbox reason (suppressed); `refused`: failed for good, nobody suppressed. */
type Outcome = { kind: 'sent' } | { kind: 'mailbox' | 'refused' | 'temporary' | 'invalid' | 'held'; id: number; detail: string };

/**
 * The circuit breaker of one batch: every final SMTP answer counts in the edition's run (in Postgres, shared by
 * all workers). A refusal is tallied at once, with the acceptances since the last tally, so a relay refusing
 * everything pauses the edition within the messages already in flight; acceptances alone wait for the end.
 */
function createBreaker(deps: DeliveryDeps, editionId: number) {
  const rule: PauseRule = { minAttempts: deps.env.SEND_PAUSE_MIN_ATTEMPTS, refusalRate: deps.env.SEND_PAUSE_REFUSAL_RATE };
  let untallied = 0;
  const state = { paused: false, justPaused: false };
  const tally = async (attempts: number, refusals: number) => {
    if (attempts === 0) return;
    try {
      const result = await tallySendOutcomes(deps.db, editionId, { attempts, refusals }, rule);
      if (result.paused) state.paused = true;
      if (result.paused && result.justPaused) state.justPaused = true;
    } catch (error) {
      // The breaker is a safety net: a failed tally must not turn a sent message into a resend.
      deps.logger.warn({ editionId, err: error }, 'could not tally send outcomes');
    }
  };
  return {
    state,
    async answered(refused: boolean) {
      untallied += 1;
      if (!refused) return;
      const attempts = untallied;
      untallied = 0;
      await tally(attempts, 1);
    },
    async flush() {
      const attempts = untallied;
      untallied = 0;
      await tally(attempts, 0);
    },
  };
}

export async function sendDeliveryBatch(deps: DeliveryDeps, batch: DeliveryBatch): Promise<DeliveryBatchResult> {
  const factory = await messageFactory(deps, batch.editionId);
  const rows = await claimDeliveries(deps.db, batch.deliveryIds, batch.claimToken, batch.staleClaimSeconds);
  const breaker = createBreaker(deps, batch.editionId);

  const outcomes = await Promise.all(
    rows.map((row) =>
      deps.limiter(async (): Promise<Outcome> => {
        if (breaker.state.paused) return { kind: 'held', id: row.id, detail: 'edition paused: too many refusals' };
        let raw: string;
        try {
          raw = factory.build({
            email: row.email,
            messageId: row.messageId,
            unsubscribeUrl: unsubscribeUrl(deps.env, deps.keys, row.publicId),
            unsubscribeMailto: readerUnsubscribeMailto(deps.env, deps.keys, row.publicId),
          });
        } catch (error) {
          return { kind: 'invalid', id: row.id, detail: (error as Error).message };
        }
        let response: string;
        try {
          ({ response } = await deps.mailer.send({
            from: envelopeSender(deps.env, deps.keys, 'delivery', row.publicId),
            to: row.email,
            raw,
            dkimSigned: factory.dkimSigned,
          }));
        } catch (error) {
          const refusal = refusalFromNodemailerError(error);
          deps.logger.warn(
            { deliveryId: row.id, to: maskEmail(row.email), code: refusal.code, enhanced: refusal.enhanced, kind: refusal.kind },
            'delivery refused',
          );
          if (refusal.kind === 'retry') return { kind: 'temporary', id: row.id, detail: refusal.detail };
          await breaker.answered(true);
          return { kind: refusal.kind === 'mailbox' ? 'mailbox' : 'refused', id: row.id, detail: refusal.detail };
        }
        // Accepted by the server: from here until the write lands is the at-most-once window.
        await deps.recorder.record(row.id, response, new Date());
        await breaker.answered(false);
        return { kind: 'sent' };
      }),
    ),
  );

  const failures = (kind: Outcome['kind']) =>
    outcomes.filter((outcome): outcome is Extract<Outcome, { id: number }> & DeliveryError => outcome.kind === kind);
  const bounced = failures('mailbox');
  const refused = failures('refused');
  const temporary = failures('temporary');
  const invalid = failures('invalid');
  const held = failures('held');
  const failed = [...invalid, ...refused, ...(batch.finalAttempt ? temporary : [])];
  const deferred = batch.finalAttempt ? [] : temporary;
  await breaker.flush();
  await recordBounced(deps.db, bounced);
  await recordFailed(deps.db, failed);
  await recordDeferred(deps.db, [...deferred, ...held]);
  if (breaker.state.justPaused) await reportPause(deps, batch.editionId);

  return {
    claimed: rows.length,
    sent: outcomes.length - bounced.length - refused.length - temporary.length - invalid.length - held.length,
    bounced: bounced.length,
    refused: refused.length,
    deferred: deferred.length,
    failed: failed.length,
    held: held.length,
  };
}

/** The one log line of a pause, from the worker whose tally paused it (its refusals are recorded by now). */
async function reportPause(deps: DeliveryDeps, editionId: number): Promise<void> {
  const pause = await notePauseReason(deps.db, editionId).catch(() => undefined);
  const share = pause && pause.attempts > 0 ? Math.round((100 * pause.refusals) / pause.attempts) : null;
  deps.logger.error(
    { editionId, attempts: pause?.attempts, refusals: pause?.refusals, mostCommonReply: pause?.reason },
    `edition paused: ${pause?.refusals ?? '?'} of ${pause?.attempts ?? '?'} sends refused (${share ?? '?'}%, over SEND_PAUSE_REFUSAL_RATE), ` +
      `most common reply "${pause?.reason ?? 'unknown'}"; nothing more is sent until \`paperboy digest --resume\``,
  );
}
