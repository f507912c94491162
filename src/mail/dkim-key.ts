// DKIM from the environment: the key read once at start-up (PEM text or a path to a PEM file), the signer
// made from it, and what is worth a warning. A key that cannot be read or cannot sign stops the process with
// one line naming DKIM_PRIVATE_KEY, rather than sending unsigned mail.
import { readFileSync } from 'node:fs';
import { ConfigError, type Env } from '../config/env.ts';
import { domainOf, parseMailbox } from './address.ts';
import { createDkimSigner, DEFAULT_SIGNED_HEADERS, type DkimSigner } from './dkim.ts';

/** Every header a digest carries that a receiver judges it by; From, Subject and List-* also over-signed. */
export const DKIM_SIGNED_HEADERS: readonly string[] = [...DEFAULT_SIGNED_HEADERS, 'List-Help', 'List-Archive', 'Auto-Submitted'];
export const DKIM_OVER_SIGNED_HEADERS: readonly string[] = ['From', 'Subject', 'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post'];

export type DkimEnv = Pick<Env, 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY'>;

/** PEM text as given, or the contents of the file it names. */
function readPrivateKey(value: string): string {
  const text = value.replace(/\\n/g, '\n');
  if (text.includes('-----BEGIN')) return text;
  try {
    return readFileSync(value.trim(), 'utf8');
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: DKIM_PRIVATE_KEY is neither PEM text nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}: ${value.trim()})`,
    );
  }
}

/** The signer for DKIM_*, or undefined when DKIM is not configured. Throws a ConfigError naming the variable. */
export function loadDkimSigner(env: DkimEnv): DkimSigner | undefined {
  if (!env.DKIM_DOMAIN || !env.DKIM_SELECTOR || !env.DKIM_PRIVATE_KEY) return undefined;
  const privateKey = readPrivateKey(env.DKIM_PRIVATE_KEY);
  try {
    return createDkimSigner({
      domainName: env.DKIM_DOMAIN,
      keySelector: env.DKIM_SELECTOR,
      privateKey,
      headerCanonicalization: 'relaxed',
      bodyCanonicalization: 'relaxed',
      signedHeaders: DKIM_SIGNED_HEADERS,
      overSignedHeaders: DKIM_OVER_SIGNED_HEADERS,
    });
  } catch (error) {
    const variable = /domain name/.test((error as Error).message)
      ? 'DKIM_DOMAIN'
      : /selector/.test((error as Error).message)
        ? 'DKIM_SELECTOR'
        : 'DKIM_PRIVATE_KEY';
    throw new ConfigError(`invalid configuration: ${variable}: ${(error as Error).message}`);
  }
}

/** DMARC's relaxed alignment: one domain is the other or a subdomain of it. */
function aligned(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** What start-up should warn about: a signature DMARC will not count, or none at all in production. */
export function dkimWarnings(env: Pick<Env, 'NODE_ENV' | 'MAIL_FROM' | 'DKIM_DOMAIN'>): string[] {
  const warnings: string[] = [];
  if (!env.DKIM_DOMAIN) {
    if (env.NODE_ENV === 'production')
      warnings.push('DKIM is not configured (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY): mail leaves unsigned');
    return warnings;
  }
  let fromDomain: string | undefined;
  try {
    fromDomain = domainOf(parseMailbox(env.MAIL_FROM).address);
  } catch {
    return warnings;
  }
  const dkimDomain = env.DKIM_DOMAIN.toLowerCase();
  if (!aligned(fromDomain, dkimDomain))
    warnings.push(`DKIM_DOMAIN ${dkimDomain} is not aligned with MAIL_FROM's domain ${fromDomain}: DMARC will not count the signature`);
  return warnings;
}
