// The one seam between paperboy and an SMTP server: everything above it deals in finished MIME messages.
import { simpleParser } from 'mailparser';
import type { Env } from '../config/env.ts';
import { insertOutboxMessage } from '../db/outbox.ts';
import type { Queryable } from '../db/pool.ts';
import type { DkimSigner } from './dkim.ts';
import { loadDkimSigner } from './dkim-key.ts';
import { createSmtpPool } from './smtp-pool.ts';

export interface OutgoingMessage {
  /** Envelope sender and recipient (the From/To headers are inside `raw`). */
  from: string;
  to: string;
  /** The complete RFC 5322 message, headers and body. */
  raw: Buffer | string;
  /** Already carries its DKIM-Signature (a digest): the mailer must not sign it again. */
  dkimSigned?: boolean;
}

export interface SendResult {
  /** The server's answer, e.g. "250 2.0.0 Ok: queued as 4F2K…", kept on the delivery row. */
  response: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * Sends prebuilt messages over a pool of SMTP connections (src/mail/smtp-pool.ts): no MIME work per send.
 * `dkim` (by default the signer DKIM_* describe) signs every message that is not signed already.
 */
export function createSmtpMailer(
  env: Pick<Env, 'SMTP_URL' | 'SMTP_MAX_CONNECTIONS' | 'SMTP_RATE_LIMIT' | 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY'>,
  dkim: DkimSigner | undefined = loadDkimSigner(env),
): Mailer {
  const url = new URL(env.SMTP_URL!);
  // A message whose connection dropped is reported, never silently resent: the server may have accepted it,
  // and our delivery row decides whether to try again.
  const pool = createSmtpPool({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // Plain smtp:// to a local relay or a test sink must not insist on STARTTLS certificates.
    rejectUnauthorized: url.searchParams.get('tls_reject_unauthorized') !== 'false',
    maxConnections: env.SMTP_MAX_CONNECTIONS,
    rateLimit: env.SMTP_RATE_LIMIT,
    dkim,
  });
  return {
    kind: 'smtp',
    async send(message) {
      return { response: await pool.send({ from: message.from, to: message.to }, message.raw, message.dkimSigned) };
    },
    async close() {
      pool.close();
    },
  };
}

/** The development outbox: messages are stored in Postgres and browsed at /dev/outbox. */
export function createOutboxMailer(pool: Queryable): Mailer {
  return {
    kind: 'outbox',
    async send(message) {
      const raw = Buffer.isBuffer(message.raw) ? message.raw : Buffer.from(message.raw);
      const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
      const id = await insertOutboxMessage(pool, {
        messageId: parsed.messageId ?? null,
        envelopeTo: [message.to],
        subject: parsed.subject ?? null,
        raw,
      });
      return { response: `250 stored in the development outbox as #${id}` };
    },
    async close() {},
  };
}

export function createMailer(env: Env, pool: Queryable, dkim: DkimSigner | undefined = loadDkimSigner(env)): Mailer {
  return env.SMTP_URL ? createSmtpMailer(env, dkim) : createOutboxMailer(pool);
}
