// What `paperboy inbound` does with a mail that reached one of our own addresses. Only the envelope recipient
// decides who is affected: a signed VERP tag names the delivery (or confirmation) a report is about, a signed
// unsubscribe address names the reader. What a report's text says about addresses is never trusted: anyone can
// write a "bounce" naming any reader, but nobody can sign a tag without SECRET_KEY.
import type { Env } from '../config/env.ts';
import type { Queryable } from '../db/pool.ts';
import { subscriberIdOf, unsubscribeSubscriber } from '../db/subscribers.ts';
import { subscriberOfDelivery, suppressSubscriber } from '../db/suppressions.ts';
import type { Logger } from '../logger.ts';
import { verpKeys, type Keys } from '../security/keys.ts';
import type { ReaderRef } from '../security/public-id.ts';
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
  | { kind: 'unsubscribe'; reader: ReaderRef }
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
      const reader = parseUnsubscribeMailtoAddress(key, address, unsubscribeBase);
      if (reader) return { kind: 'unsubscribe', reader };
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
  if ('publicId' in tag) return subscriberIdOf(db, tag);
  return tag.kind === 'delivery' ? subscriberOfDelivery(db, tag.legacyId) : tag.legacyId;
}

/** What a tag names, for the log: the reader's public id, or an old tag's row id. */
const tagLog = (tag: ParsedVerpTag) => ({ [tag.kind]: 'publicId' in tag ? tag.publicId : tag.legacyId });

/** Acts on one inbound mail for one of our recipients; never throws on what the mail says (only on Postgres). */
export async function handleInboundMail(deps: InboundDeps, recipient: InboundRecipient, raw: Buffer): Promise<InboundOutcome> {
  const log = deps.logger.child({ part: 'inbound' });
  if (recipient.kind === 'unsubscribe') {
    const subscriberId = await subscriberIdOf(deps.db, recipient.reader);
    if (subscriberId === undefined) return 'ignored';
    const result = await unsubscribeSubscriber(deps.db, subscriberId, 'unsubscribe by email (List-Unsubscribe mailto)');
    log.info({ subscriberId, changed: result.kind === 'known' && result.changed }, 'unsubscribe by email');
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
    log.warn({ ...tagLog(tag), feedbackType: report.feedbackType, changed }, 'complaint report');
    return changed ? 'complaint' : 'ignored';
  }
  const decision = bounceDecision(report);
  const gone = decision.suppress[0];
  if (!gone) {
    if (report.kind === 'dsn')
      log.info({ ...tagLog(tag), delayed: decision.delayed.length, failed: decision.failed.length }, 'DSN: nobody suppressed');
    return 'ignored';
  }
  const subscriberId = await subscriberOfTag(deps.db, tag);
  if (subscriberId === undefined) return 'ignored';
  const detail = `DSN ${gone.status}${gone.diagnostic ? `: ${gone.diagnostic}` : ''}`;
  const changed = await suppressSubscriber(deps.db, subscriberId, { reason: 'hard_bounce', detail, event: 'hard bounce (DSN)' });
  log.warn({ ...tagLog(tag), status: gone.status, changed }, 'bounce report');
  return changed ? 'suppressed' : 'ignored';
}
