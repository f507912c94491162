// Where replies about our mail go: the envelope sender (VERP when BOUNCE_ADDRESS is set, so a bounce names the
// one delivery or confirmation it is about) and the reader's own List-Unsubscribe mailto. Both are signed
// sub-addresses (src/mail/verp.ts) read back by `paperboy inbound` (src/mail/inbound.ts).
import type { Env } from '../config/env.ts';
import type { Keys } from '../security/keys.ts';
import { domainOf, parseMailbox } from './address.ts';
import { unsubscribeMailtoAddress, verpAddress, type VerpKind } from './verp.ts';

type ReturnPathEnv = Pick<Env, 'MAIL_FROM' | 'BOUNCE_ADDRESS' | 'MAIL_UNSUBSCRIBE_MAILTO'>;

/** The envelope sender of one email to the reader `publicId`: `bounces+d<public id>.<mac>@…` with BOUNCE_ADDRESS, else the From address. */
export function envelopeSender(env: ReturnPathEnv, keys: Keys, kind: VerpKind, publicId: string): string {
  if (!env.BOUNCE_ADDRESS) return parseMailbox(env.MAIL_FROM).address;
  return verpAddress(keys.verp, env.BOUNCE_ADDRESS, { kind, publicId });
}

/** The base of the per-reader unsubscribe addresses, or undefined when no receiver reads them. */
export function unsubscribeMailtoBase(env: ReturnPathEnv): string | undefined {
  if (env.MAIL_UNSUBSCRIBE_MAILTO) return env.MAIL_UNSUBSCRIBE_MAILTO;
  return env.BOUNCE_ADDRESS ? `unsubscribe@${domainOf(env.BOUNCE_ADDRESS)}` : undefined;
}

/** `unsubscribe+<public id>.<mac>@…` for this reader, or undefined (no mailto: advertised). */
export function readerUnsubscribeMailto(env: ReturnPathEnv, keys: Keys, publicId: string): string | undefined {
  const base = unsubscribeMailtoBase(env);
  return base === undefined ? undefined : unsubscribeMailtoAddress(keys.verp, base, publicId);
}
