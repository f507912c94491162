// The double opt-in email, sent by a worker (the API only queues it: confirmation-queue.ts). A job carries
// the claims of one subscribe batch (subscriber ids, never addresses or rendered mail); the worker re-reads
// the subscribers and sends only to those still pending and not suppressed, once per claim.
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.ts';
import type { Queryable } from '../db/pool.ts';
import { maskEmail, type Logger } from '../logger.ts';
import { domainOf, parseMailbox } from '../mail/address.ts';
import { composeMessage } from '../mail/compose.ts';
import type { Mailer } from '../mail/mailer.ts';
import { envelopeSender } from '../mail/return-path.ts';
import { refusalFromNodemailerError } from '../mail/refusals.ts';
import { renderEmail, type RenderedEmail } from '../mail/templates.ts';
import type { ProcessorFor, WorkerDefinition } from '../queue/workers.ts';
import type { Keys } from '../security/keys.ts';
import { escapeHtml } from '../text/html.ts';
import { confirmationBudget, type ConfirmationBudget } from './confirmation-budget.ts';
import { describeTtl } from './confirmation-queue.ts';
import { confirmUrl } from './links.ts';
import {
  findConfirmationRecipients,
  markConfirmationBounced,
  markConfirmationDone,
  type ConfirmationClaim,
  type ConfirmationRecipient,
} from '../db/subscribers.ts';

export const CONFIRMATION_SUBJECT = 'Confirm your Paperboy subscription';
const URL_PLACEHOLDER = 'PAPERBOY-CONFIRM-URL-PLACEHOLDER';

type ConfirmEnv = Pick<Env, 'PUBLIC_URL' | 'CONFIRM_TOKEN_TTL_HOURS' | 'MAIL_FROM' | 'BOUNCE_ADDRESS' | 'MAIL_UNSUBSCRIBE_MAILTO'>;

// MJML costs ~10 ms, so the email is compiled once per process with a placeholder for the only
// per-reader value, the link, which is filled in (escaped for the HTML part) at send time.
let compiled: Promise<RenderedEmail> | undefined;
let compiledFor = '';

async function confirmationTemplate(env: ConfirmEnv): Promise<RenderedEmail> {
  const key = `${env.PUBLIC_URL}|${env.CONFIRM_TOKEN_TTL_HOURS}`;
  if (!compiled || compiledFor !== key) {
    compiledFor = key;
    compiled = renderEmail('confirm', {
      confirmUrl: URL_PLACEHOLDER,
      ttlDescription: describeTtl(env.CONFIRM_TOKEN_TTL_HOURS),
      homeUrl: new URL('/', env.PUBLIC_URL).toString(),
      kicker: '',
      heading: 'Confirm your subscription',
      reason: 'You get this email because this address was entered on Paperboy. Ignore it and you will hear nothing more.',
      browserUrl: '',
      unsubscribeUrl: '',
    }).catch((error: unknown) => {
      compiled = undefined;
      throw error;
    });
  }
  return compiled;
}

/** Builds the complete confirmation message for one reader; the same claim always gives the same Message-ID. */
export async function buildConfirmationMessage(
  env: ConfirmEnv,
  keys: Keys,
  recipient: { publicId: string; email: string },
  claimedAt: number,
  now = Date.now(),
): Promise<Buffer> {
  const template = await confirmationTemplate(env);
  const link = confirmUrl(env, keys, recipient.publicId, now);
  const sender = parseMailbox(env.MAIL_FROM).address;
  return composeMessage({
    from: env.MAIL_FROM,
    to: recipient.email,
    subject: CONFIRMATION_SUBJECT,
    messageId: `<confirm-${recipient.publicId}-${claimedAt}@${domainOf(sender)}>`,
    html: template.html.replaceAll(URL_PLACEHOLDER, escapeHtml(link)),
    text: template.text.replaceAll(URL_PLACEHOLDER, link),
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
}

export interface ConfirmationDeps {
  env: ConfirmEnv;
  keys: Keys;
  pool: Queryable;
  mailer: Mailer;
  logger: Logger;
}

/** `deferred`: the hour's CONFIRM_GLOBAL_PER_HOUR is spent; the email waits for the next hour. */
export type ConfirmationOutcome = 'sent' | 'skipped' | 'deferred';

/** A claim's email was not sent; `final` when the SMTP server refused it for good (5xx): no retry. */
class ConfirmationNotSent extends Error {
  constructor(
    message: string,
    readonly final: boolean,
  ) {
    super(message);
  }
}

// Servers echo the address in their answer; the message ends up in logs and job records, so mask it.
const maskAddresses = (message: string) => message.replace(/[^\s<>"']+@[^\s<>"']+/g, (address) => maskEmail(address));

async function sendOne(deps: ConfirmationDeps, recipient: ConfirmationRecipient, claim: ConfirmationClaim): Promise<void> {
  const raw = await buildConfirmationMessage(deps.env, deps.keys, recipient, claim.claimedAt);
  try {
    // With BOUNCE_ADDRESS, a bounce arriving later names this subscriber's confirmation (VERP).
    const from = envelopeSender(deps.env, deps.keys, 'confirmation', recipient.publicId);
    const result = await deps.mailer.send({ from, to: recipient.email, raw });
    deps.logger.info({ subscriberId: recipient.id, to: maskEmail(recipient.email), response: result.response }, 'confirmation sent');
  } catch (error) {
    const refusal = refusalFromNodemailerError(error);
    const message = maskAddresses(String((error as Error).message));
    if (refusal.kind === 'retry') throw new ConfirmationNotSent(message, false);
    if (refusal.kind === 'mailbox') {
      // The mailbox does not exist: retrying only annoys the server, and the address is suppressed, as a
      // digest bounce would suppress it.
      await markConfirmationBounced(deps.pool, claim, refusal.detail);
    } else {
      // Policy, content, our sender (a DMARC slip, a blocklisting): final for this email, but the reader did
      // nothing wrong and may ask again once it is fixed.
      deps.logger.warn(
        {
          subscriberId: recipient.id,
          to: maskEmail(recipient.email),
          code: refusal.code,
          enhanced: refusal.enhanced,
          detail: refusal.detail,
        },
        'confirmation refused',
      );
      await markConfirmationDone(deps.pool, claim);
    }
    throw new ConfirmationNotSent(message, true);
  }
  await markConfirmationDone(deps.pool, claim);
}

/**
 * Sends the confirmation email of each claim of a job (in parallel; the mailer pools the connections),
 * skipping a reader no longer pending or suppressed, and a claim an earlier try of the job already sent.
 * Resolves with each claim's outcome; rejects if any email could not be sent — with an UnrecoverableError
 * when every failure is a final refusal, else with an error BullMQ retries, and the retry sends only the rest.
 *
 * At most one email per claim, except one window: each email is marked done in Postgres right after the
 * SMTP server accepts it, so if the worker dies (or Postgres fails) between that accept and that UPDATE
 * committing, the retried job sends that reader the same email again (same Message-ID). The window is one
 * UPDATE per email, not the whole job. Marking before sending would close it, but a crash mid-send would then
 * lose the email for good: a reader waiting for a link that never comes is worse than a duplicate.
 */
export async function sendConfirmations(
  deps: ConfirmationDeps,
  claims: readonly ConfirmationClaim[],
  budget?: ConfirmationBudget,
): Promise<ConfirmationOutcome[]> {
  const recipients = await findConfirmationRecipients(deps.pool, claims);
  const due = (claim: ConfirmationClaim) => {
    const recipient = recipients.get(claim.subscriberId);
    return recipient && recipient.status === 'pending' && !recipient.suppressed && !recipient.done ? recipient : undefined;
  };
  const wanted = claims.filter((claim) => due(claim) !== undefined).length;
  let allowed = budget ? (await budget.take(wanted)).granted : wanted;
  const results = await Promise.allSettled(
    claims.map(async (claim): Promise<ConfirmationOutcome> => {
      const recipient = due(claim);
      if (!recipient) return 'skipped';
      if (allowed === 0) return 'deferred';
      allowed -= 1;
      await sendOne(deps, recipient, claim);
      return 'sent';
    }),
  );
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
  if (failures.length === 0) return results.map((result) => (result as PromiseFulfilledResult<ConfirmationOutcome>).value);
  const summary = `${failures.length} of ${claims.length}: ${failures
    .slice(0, 3)
    .map((failure) => maskAddresses(String(failure.message)))
    .join('; ')}`;
  if (failures.every((failure) => failure instanceof ConfirmationNotSent && failure.final)) {
    throw new UnrecoverableError(`confirmation refused: ${summary}`);
  }
  throw new Error(`confirmation not sent: ${summary}`);
}

export function confirmationsProcessor(
  deps: ConfirmationDeps & { redis: Redis; env: ConfirmEnv & Pick<Env, 'QUEUE_PREFIX' | 'CONFIRM_GLOBAL_PER_HOUR'> },
): WorkerDefinition<'confirmations'> {
  const budget = confirmationBudget(deps.redis, deps.env.QUEUE_PREFIX, deps.env.CONFIRM_GLOBAL_PER_HOUR);
  const processor: ProcessorFor<'confirmations'> = async (job, token) => {
    const outcomes = await sendConfirmations(deps, job.data.claims, budget);
    if (outcomes.includes('deferred')) {
      // Past the hour's cap: the job waits for the next hour; its sent claims are marked done and not sent again.
      await job.moveToDelayed((await budget.take(0)).nextWindowAt + Math.floor(Math.random() * 60_000), token);
      throw new DelayedError();
    }
    return {
      sent: outcomes.filter((outcome) => outcome === 'sent').length,
      skipped: outcomes.filter((outcome) => outcome === 'skipped').length,
    };
  };
  return { queue: 'confirmations', processor, options: { concurrency: 5 } };
}
