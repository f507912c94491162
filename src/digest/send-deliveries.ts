// Sends one batch of an edition's deliveries: claim the rows, build each message from the frozen edition,
// send through the SMTP pool, record the outcome. Knows nothing of BullMQ.
import type { LimitFunction } from 'p-limit';
import type { Env } from '../config/env.ts';
import { claimDeliveries, recordBounced, recordDeferred, recordFailed, recordSkipped, type DeliveryError } from '../db/deliveries.ts';
import { readerTastes, type StoredTaste } from '../db/reader-settings.ts';
import { notePauseReason, tallySendOutcomes, type PauseRule } from '../db/edition-pause.ts';
import type { Queryable } from '../db/pool.ts';
import { maskEmail, type Logger } from '../logger.ts';
import type { DkimSigner } from '../mail/dkim.ts';
import type { Mailer } from '../mail/mailer.ts';
import { envelopeSender, readerUnsubscribeMailto } from '../mail/return-path.ts';
import { refusalFromNodemailerError } from '../mail/refusals.ts';
import type { Keys } from '../security/keys.ts';
import { preferencesUrl, rateUrl, unsubscribeUrl } from '../subscriptions/links.ts';
import { parseRateSlot, PREFERENCES_SLOT } from './assemble.ts';
import { candidateIds, loadEditionSending, messageFor, type EditionSending } from './edition-sending.ts';
import type { SentRecorder } from './sent-recorder.ts';

export interface DeliveryDeps {
  db: Queryable;
  env: Pick<
    Env,
    | 'PUBLIC_URL'
    | 'MAIL_FROM'
    | 'MAIL_UNSUBSCRIBE_MAILTO'
    | 'BOUNCE_ADDRESS'
    | 'SEND_PAUSE_MIN_ATTEMPTS'
    | 'SEND_PAUSE_REFUSAL_RATE'
    | 'DIGEST_SIZE'
    | 'TASTE_WEIGHT'
  >;
  keys: Keys;
  mailer: Mailer;
  /** Signs each digest as it is built (the edition's body hashed once per process); undefined: unsigned. */
  dkim?: DkimSigner;
  recorder: SentRecorder;
  /** At most this many messages built and in the SMTP pool at once per process (p-limit). */
  limiter: LimitFunction;
  logger: Logger;
  /** Per edition, built once per process from the frozen edition: the shared message factory, the pools and kits. */
  factories: Map<number, Promise<EditionSending>>;
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
  /** Nothing to send the reader (only their topics, none today): skipped, no email. */
  nothing: number;
}

function editionSending(deps: DeliveryDeps, editionId: number): Promise<EditionSending> {
  let sending = deps.factories.get(editionId);
  if (!sending) {
    sending = loadEditionSending(deps.db, deps.env, editionId, deps.dkim);
    sending.catch(() => deps.factories.delete(editionId));
    // Editions are daily: keeping the last few is plenty.
    if (deps.factories.size >= 4) deps.factories.delete(deps.factories.keys().next().value!);
    deps.factories.set(editionId, sending);
  }
  return sending;
}

/** The reader's own links in a digest: their preferences page and a rating link per paper and vote. */
export function readerLinks(deps: { env: Pick<Env, 'PUBLIC_URL'>; keys: Keys }, publicId: string): (slot: string) => string {
  return (slot) => {
    if (slot === PREFERENCES_SLOT) return preferencesUrl(deps.env, deps.keys, publicId);
    const rating = parseRateSlot(slot);
    if (!rating) throw new Error(`unknown slot ${slot}`);
    return rateUrl(deps.env, deps.keys, publicId, rating.paperId, rating.vote);
  };
}

/** `mailbox`: refused at RCPT for a mailbox reason (suppressed); `refused`: failed for good, nobody suppressed. */
type Outcome =
  { kind: 'sent' } | { kind: 'mailbox' | 'refused' | 'temporary' | 'invalid' | 'held' | 'nothing'; id: number; detail: string };

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
  const sending = await editionSending(deps, batch.editionId);
  const rows = await claimDeliveries(deps.db, batch.deliveryIds, batch.claimToken, batch.staleClaimSeconds);
  const breaker = createBreaker(deps, batch.editionId);
  // Readers whose digest is their own (settings, ratings, papers sent before): one statement for the batch.
  const tastes = sending.day
    ? new Map(
        (
          await readerTastes(
            deps.db,
            rows.map((row) => row.subscriberId),
            candidateIds(sending),
          )
        ).map((taste) => [taste.subscriberId, taste]),
      )
    : new Map<number, StoredTaste>();
  const choice = { defaultSize: deps.env.DIGEST_SIZE, tasteWeight: deps.env.TASTE_WEIGHT };

  const outcomes = await Promise.all(
    rows.map((row) =>
      deps.limiter(async (): Promise<Outcome> => {
        if (breaker.state.paused) return { kind: 'held', id: row.id, detail: 'edition paused: too many refusals' };
        let raw: string;
        let message: ReturnType<typeof messageFor>;
        try {
          message = messageFor(sending, tastes.get(row.subscriberId), choice);
          if (message.kind === 'nothing') {
            deps.logger.info(
              { deliveryId: row.id, subscriberId: row.subscriberId, reason: message.reason },
              'nothing to send this reader today',
            );
            return { kind: 'nothing', id: row.id, detail: message.reason };
          }
          raw = message.factory.build({
            email: row.email,
            messageId: row.messageId,
            unsubscribeUrl: unsubscribeUrl(deps.env, deps.keys, row.publicId),
            unsubscribeMailto: readerUnsubscribeMailto(deps.env, deps.keys, row.publicId),
            slot: readerLinks(deps, row.publicId),
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
            dkimSigned: message.factory.dkimSigned,
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
        await deps.recorder.record(row.id, response, new Date(), message.kind === 'personal' ? message.paperIds : undefined);
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
  const nothing = failures('nothing');
  const failed = [...invalid, ...refused, ...(batch.finalAttempt ? temporary : [])];
  const deferred = batch.finalAttempt ? [] : temporary;
  await breaker.flush();
  await recordBounced(deps.db, bounced);
  await recordFailed(deps.db, failed);
  await recordDeferred(deps.db, [...deferred, ...held]);
  await recordSkipped(deps.db, nothing);
  if (breaker.state.justPaused) await reportPause(deps, batch.editionId);

  return {
    claimed: rows.length,
    sent: outcomes.length - bounced.length - refused.length - temporary.length - invalid.length - held.length - nothing.length,
    bounced: bounced.length,
    refused: refused.length,
    deferred: deferred.length,
    failed: failed.length,
    held: held.length,
    nothing: nothing.length,
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
