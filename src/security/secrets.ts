// Comparing a secret someone sent with the one we hold. Pure: no I/O.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Equal strings, compared in time that depends on neither their contents nor their lengths (same-length digests). */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
