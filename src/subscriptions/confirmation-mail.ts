// The double opt-in email, sent by a worker (the API only queues it: confirmation-queue.ts). The job
// carries the subscriber id, never the address or rendered mail; the worker re-reads the subscriber and
// sends only to one still pending and not suppressed.
import { UnrecoverableError } from 'bullmq';
import type { Env } from '../config/env.ts';
import type { Queryable } from '../db/pool.ts';
import { maskEmail, type Logger } from '../logger.ts';
import { escapeHtml } from '../http/html.ts';
import { composeMessage } from '../mail/compose.ts';
import type { Mailer } from '../mail/mailer.ts';
import { renderEmail, type RenderedEmail } from '../mail/templates.ts';
import type { ProcessorFor, WorkerDefinition } from '../queue/workers.ts';
import type { Keys } from '../security/keys.ts';
import { confirmUrl } from './links.ts';
import { describeTtl } from './confirmation-queue.ts';
import { findConfirmationRecipient, type ConfirmationClaim } from './service.ts';

export const CONFIRMATION_SUBJECT = 'Confirm your Paperboy subscription';
const URL_PLACEHOLDER = 'PAPERBOY-CONFIRM-URL-PLACEHOLDER';

type ConfirmEnv = Pick<Env, 'PUBLIC_URL' | 'CONFIRM_TOKEN_TTL_HOURS' | 'MAIL_FROM'>;

/** The address inside MAIL_FROM ("Paperboy <digest@example.org>" → "digest@example.org"). */
export function mailFromAddress(mailFrom: string): string {
  return /<([^<>\s]+@[^<>\s]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
}

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
  recipient: { id: number; email: string },
  claimedAt: number,
  now = Date.now(),
): Promise<Buffer> {
  const template = await confirmationTemplate(env);
  const link = confirmUrl(env, keys, recipient.id, now);
  const sender = mailFromAddress(env.MAIL_FROM);
  return composeMessage({
    from: env.MAIL_FROM,
    to: recipient.email,
    subject: CONFIRMATION_SUBJECT,
    messageId: `<confirm-${recipient.id}-${claimedAt}@${sender.split('@')[1] ?? 'localhost'}>`,
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

export type ConfirmationOutcome = 'sent' | 'skipped';

/** Sends the confirmation for a claim, unless the reader is no longer pending or is suppressed. */
export async function sendConfirmation(deps: ConfirmationDeps, claim: ConfirmationClaim): Promise<ConfirmationOutcome> {
  const recipient = await findConfirmationRecipient(deps.pool, claim.subscriberId);
  if (!recipient || recipient.status !== 'pending' || recipient.suppressed) return 'skipped';
  const raw = await buildConfirmationMessage(deps.env, deps.keys, recipient, claim.claimedAt);
  const result = await deps.mailer.send({ from: mailFromAddress(deps.env.MAIL_FROM), to: recipient.email, raw }).catch((error: unknown) => {
    // A 5xx is the server's final word (no such mailbox, bad address): retrying only annoys it.
    const code = (error as { responseCode?: unknown }).responseCode;
    // Servers echo the address in their answer; the message ends up in logs and job records, so mask it.
    const message = String((error as Error).message).replace(/[^\s<>"']+@[^\s<>"']+/g, (address) => maskEmail(address));
    if (typeof code === 'number' && code >= 500) throw new UnrecoverableError(`confirmation refused: ${message}`);
    throw Object.assign(new Error(`confirmation not sent: ${message}`), { responseCode: code });
  });
  deps.logger.info({ subscriberId: recipient.id, to: maskEmail(recipient.email), response: result.response }, 'confirmation sent');
  return 'sent';
}

export function confirmationWorker(deps: ConfirmationDeps): WorkerDefinition<'confirmations'> {
  const processor: ProcessorFor<'confirmations'> = (job) => sendConfirmation(deps, job.data);
  return { queue: 'confirmations', processor, options: { concurrency: 5 } };
}
