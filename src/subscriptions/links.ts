// The links that go into emails. Every link is built from PUBLIC_URL and names its reader by public id.
import type { Env } from '../config/env.ts';
import type { Keys } from '../security/keys.ts';
import { signToken } from '../security/tokens.ts';

export function unsubscribeToken(keys: Keys, publicId: string): string {
  return signToken(keys.tokens, { purpose: 'unsubscribe', subscriber: { publicId }, expiresAt: 0 });
}

export function unsubscribeUrl(env: Pick<Env, 'PUBLIC_URL'>, keys: Keys, publicId: string): string {
  return new URL(`/unsubscribe?token=${unsubscribeToken(keys, publicId)}`, env.PUBLIC_URL).toString();
}

export function confirmUrl(
  env: Pick<Env, 'PUBLIC_URL' | 'CONFIRM_TOKEN_TTL_HOURS'>,
  keys: Keys,
  publicId: string,
  now = Date.now(),
): string {
  const expiresAt = Math.floor(now / 1000) + env.CONFIRM_TOKEN_TTL_HOURS * 3600;
  const token = signToken(keys.tokens, { purpose: 'confirm', subscriber: { publicId }, expiresAt });
  return new URL(`/confirm?token=${token}`, env.PUBLIC_URL).toString();
}

export function editionUrl(env: Pick<Env, 'PUBLIC_URL'>, editionDate: string): string {
  return new URL(`/editions/${editionDate}`, env.PUBLIC_URL).toString();
}

/** The reader's preferences page: no login, the signed link is the key (never expires, like unsubscribe). */
export function preferencesUrl(env: Pick<Env, 'PUBLIC_URL'>, keys: Keys, publicId: string): string {
  const token = signToken(keys.tokens, { purpose: 'preferences', subscriber: { publicId }, expiresAt: 0 });
  return new URL(`/preferences?token=${token}`, env.PUBLIC_URL).toString();
}

export type Vote = 'up' | 'down';

/** A rating token's scope: the paper (base 36) and the vote. */
export const ratingScope = (paperId: number, vote: Vote) => `${paperId.toString(36)}-${vote}`;

export function parseRatingScope(scope: string | undefined): { paperId: number; vote: Vote } | undefined {
  const match = /^([0-9a-z]{1,11})-(up|down)$/.exec(scope ?? '');
  if (!match) return undefined;
  const paperId = Number.parseInt(match[1]!, 36);
  return Number.isSafeInteger(paperId) && paperId > 0 ? { paperId, vote: match[2] as Vote } : undefined;
}

/** "More like this" / "less like this" under a paper: signed per (reader, paper, vote). */
export function rateUrl(env: Pick<Env, 'PUBLIC_URL'>, keys: Keys, publicId: string, paperId: number, vote: Vote): string {
  const token = signToken(keys.tokens, { purpose: 'rate', subscriber: { publicId }, expiresAt: 0, scope: ratingScope(paperId, vote) });
  return new URL(`/rate?token=${token}`, env.PUBLIC_URL).toString();
}
