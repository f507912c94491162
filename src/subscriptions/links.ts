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
