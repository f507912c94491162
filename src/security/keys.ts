import { createHmac, hkdfSync } from 'node:crypto';

/** Independent keys derived from SECRET_KEY, one per use, so no use can forge another's values. */
export interface Keys {
  tokens: Buffer;
  ipHash: Buffer;
  /** Signs the VERP and per-reader unsubscribe addresses (src/mail/verp.ts). */
  verp: Buffer;
  /** Keys the hash an erased reader's address leaves in suppressions (erasedAddressKey). */
  erasedAddress: Buffer;
  /** Signs the operator console's session cookie. */
  adminSession: Buffer;
  /**
   * The same keys derived from each SECRET_KEY_PREVIOUS: what was signed before a rotation still verifies
   * (links in old emails, bounces of mail sent before it). Nothing new is signed with them.
   */
  previous: { tokens: Buffer; verp: Buffer }[];
}

function derivePurposeKeys(secret: string) {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'paperboy', info, 32));
  return {
    tokens: derive('tokens'),
    ipHash: derive('ip-hash'),
    verp: derive('verp'),
    erasedAddress: derive('erased-address'),
    adminSession: derive('admin-session'),
  };
}

export function deriveKeys(secret: string, previousSecrets: readonly string[] = []): Keys {
  return {
    ...derivePurposeKeys(secret),
    previous: previousSecrets.map((previous) => {
      const { tokens, verp } = derivePurposeKeys(previous);
      return { tokens, verp };
    }),
  };
}

/** The token keys to verify with, current first. */
export const tokenKeys = (keys: Keys): Buffer[] => [keys.tokens, ...keys.previous.map((previous) => previous.tokens)];

/** The VERP keys to verify with, current first. */
export const verpKeys = (keys: Keys): Buffer[] => [keys.verp, ...keys.previous.map((previous) => previous.verp)];

/** A keyed hash of a client IP: lets us count abuse per source without storing the address. */
export function hashIp(keys: Keys, ip: string): string {
  return createHmac('sha256', keys.ipHash).update(ip).digest('base64url');
}

/**
 * hashIp with the hashes of the last few thousand sources kept: a busy API sees the same addresses again and
 * again (a proxy, an office, a flood), and an HMAC is a few per cent of a subscribe's CPU. Emptied when full.
 */
export function cachedIpHasher(keys: Keys, capacity = 4096): (ip: string) => string {
  const hashes = new Map<string, string>();
  return (ip) => {
    let hash = hashes.get(ip);
    if (hash === undefined) {
      if (hashes.size >= capacity) hashes.clear();
      hash = hashIp(keys, ip);
      hashes.set(ip, hash);
    }
    return hash;
  };
}

/**
 * What suppressions keep of an erased reader's address (`erased:` and a keyed hash of it, lower-cased): enough to
 * recognise the address when it is typed again, nothing that gives it back. Keyed, so a stolen database cannot be
 * checked against a list of addresses. Lower-case hex, so it never collides with an address (which has an @).
 */
export function erasedAddressKey(keys: Pick<Keys, 'erasedAddress'>, email: string): string {
  return `erased:${createHmac('sha256', keys.erasedAddress).update(email.toLowerCase()).digest('hex')}`;
}
