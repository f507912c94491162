// What `paperboy inbound` does with a mail that reached one of our own addresses. Only the envelope recipient
// decides who is affected: a signed VERP tag names the delivery (or confirmation) a report is about, a signed
// unsubscribe address names the reader. What a report's text says about addresses is never trusted: anyone can
// write a "bounce" naming any reader, but nobody can sign a tag without SECRET_KEY.
import type { Env } from '../config/env.ts';
import type { Queryable } from '../db/pool.ts';
import { unsubscribeSubscriber } from '../db/subscribers.ts';
import { subscriberOfDelivery, suppressSubscriber } from '../db/suppressions.ts';
import type { Logger } from '../logger.ts';
import { verpKeys, type Keys } from '../security/keys.ts';
import { bounceDecision, parseInboundReport } from './reports.ts';
import { unsubscribeMailtoBase } from './return-path.ts';
import { parseUnsubscribeMailtoAddress, parseVerpAddress, type ParsedVerpTag } from './verp.ts';

export type InboundEnv = Pick<Env, 'MAIL_FROM' | 'BOUNCE_ADDRESS' | 'MAIL_UNSUBSCRIBE_MAILTO'>;

export interface InboundDeps {
  db: Queryable;
  env: InboundEnv;
  keys: Keys;
  logger: Logger;
}

export type InboundRecipient =
  | { kind: 'report'; tag: ParsedVerpTag }
  | { kind: 'unsubscribe'; subscriberId: string }
  /** BOUNCE_ADDRESS itself, where feedback loops (Yahoo, Microsoft) send ARF reports: the tag is in the report. */
  | { kind: 'feedback' };

/** Which of our addresses this is (signature checked with SECRET_KEY, then each previous key), or null. */
export function inboundRecipientOf(env: InboundEnv, keys: Keys, address: string): InboundRecipient | null {
  const unsubscribeBase = unsubscribeMailtoBase(env);
  if (env.BOUNCE_ADDRESS && address.trim().toLowerCase() === env.BOUNCE_ADDRESS.toLowerCase()) return { kind: 'feedback' };
  for (const key of verpKeys(keys)) {
    if (env.BOUNCE_ADDRESS) {
      const tag = parseVerpAddress(key, address, env.BOUNCE_ADDRESS);
      if (tag) return { kind: 'report', tag };
    }
    if (unsubscribeBase) {
      const subscriberId = parseUnsubscribeMailtoAddress(key, address, unsubscribeBase);
      if (subscriberId && /^[1-9]\d{0,18}$/.test(subscriberId)) return { kind: 'unsubscribe', subscriberId };
    }
  }
  return null;
}

/** The signed tag of an address (VERP), with any of our keys. */
function verpTagOf(env: InboundEnv, keys: Keys, address: string | undefined): ParsedVerpTag | null {
  if (!env.BOUNCE_ADDRESS || address === undefined) return null;
  for (const key of verpKeys(keys)) {
    const tag = parseVerpAddress(key, address, env.BOUNCE_ADDRESS);
    if (tag) return tag;
  }
  return null;
}

export type InboundOutcome = 'suppressed' | 'complaint' | 'unsubscribed' | 'ignored';

async function subscriberOfTag(db: Queryable, tag: ParsedVerpTag): Promise<number | string | undefined> {
  return tag.kind === 'delivery' ? subscriberOfDelivery(db, tag.id) : tag.id;
}

/** Acts on one inbound mail for one of our recipients; never throws on what the mail says (only on Postgres). */
export async function handleInboundMail(deps: InboundDeps, recipient: InboundRecipient, raw: Buffer): Promise<InboundOutcome> {
  const log = deps.logger.child({ part: 'inbound' });
  if (recipient.kind === 'unsubscribe') {
    const result = await unsubscribeSubscriber(deps.db, Number(recipient.subscriberId), 'unsubscribe by email (List-Unsubscribe mailto)');
    log.info({ subscriberId: recipient.subscriberId, changed: result.kind === 'known' && result.changed }, 'unsubscribe by email');
    return result.kind === 'known' && result.changed ? 'unsubscribed' : 'ignored';
  }
  const report = await parseInboundReport(raw);
  // A feedback loop's report to the bare address names our mail by its envelope sender, which we signed.
  const tag =
    recipient.kind === 'report'
      ? recipient.tag
      : report.kind === 'complaint'
        ? verpTagOf(deps.env, deps.keys, report.originalMailFrom)
        : null;
  if (tag === null) {
    log.info({ report: report.kind }, 'inbound: report without a signed tag of ours, ignored');
    return 'ignored';
  }
  if (report.kind === 'complaint') {
    // "not-spam" is a reader taking a complaint back; anything else is a complaint.
    if (report.feedbackType === 'not-spam') return 'ignored';
    const subscriberId = await subscriberOfTag(deps.db, tag);
    if (subscriberId === undefined) return 'ignored';
    const changed = await suppressSubscriber(deps.db, subscriberId, {
      reason: 'complaint',
      detail: `feedback report (${report.feedbackType})`,
      event: 'complaint (feedback report)',
    });
    log.warn({ [tag.kind]: tag.id, feedbackType: report.feedbackType, changed }, 'complaint report');
    return changed ? 'complaint' : 'ignored';
  }
  const decision = bounceDecision(report);
  const gone = decision.suppress[0];
  if (!gone) {
    if (report.kind === 'dsn')
      log.info({ [tag.kind]: tag.id, delayed: decision.delayed.length, failed: decision.failed.length }, 'DSN: nobody suppressed');
    return 'ignored';
  }
  const subscriberId = await subscriberOfTag(deps.db, tag);
  if (subscriberId === undefined) return 'ignored';
  const detail = `DSN ${gone.status}${gone.diagnostic ? `: ${gone.diagnostic}` : ''}`;
  const changed = await suppressSubscriber(deps.db, subscriberId, { reason: 'hard_bounce', detail, event: 'hard bounce (DSN)' });
  log.warn({ [tag.kind]: tag.id, status: gone.status, changed }, 'bounce report');
  return changed ? 'suppressed' : 'ignored';
}
