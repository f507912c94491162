// A pool of Nodemailer SMTP connections for messages that are already complete byte strings.
// Nodemailer's pooled transport runs every `raw` message through its message pipeline again (MailMessage,
// MimeNode, stream stages) before the SMTP connection sees it; measured on a 39 KB digest that costs about
// as much CPU as the SMTP conversation itself (604 vs 332 µs per message, 8 connections, BENCHMARKS.md).
// Here each message goes straight to Nodemailer's SMTPConnection, which still does the protocol, the dot
// stuffing, STARTTLS and AUTH. Digests arrive DKIM-signed already (src/mail/digest-message.ts signs them with
// the edition's body hashed once); the pool signs only what was not, such as confirmations.
import { setTimeout as sleep } from 'node:timers/promises';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DkimSigner } from './dkim.ts';

export interface SmtpPoolOptions {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  rejectUnauthorized: boolean;
  maxConnections: number;
  /** Messages started per second across the pool; 0 = no limit. */
  rateLimit: number;
  /** Signs messages sent with `dkimSigned` false; a signing error fails the send, nothing leaves unsigned. */
  dkim?: DkimSigner;
}

export interface SmtpPool {
  /** Sends one message to one recipient; resolves with the server's final answer (e.g. "250 2.0.0 Ok"). */
  send(envelope: { from: string; to: string }, raw: Buffer | string, dkimSigned?: boolean): Promise<string>;
  close(): void;
}

type Callback<T> = (error: Error | null | undefined, result?: T) => void;

/**
 * One SMTPConnection call as a promise that also settles when the connection fails or closes first: a server
 * that answers 421 and hangs up does not always reach the call's own callback.
 */
function call<T>(connection: SMTPConnection, start: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (error: Error) => settle(error);
    const onEnd = () => settle(Object.assign(new Error('the SMTP server closed the connection'), { code: 'ECONNECTION' }));
    const settle = (error: Error | null | undefined, result?: T) => {
      connection.off('error', onError);
      connection.off('end', onEnd);
      if (error) reject(error);
      else resolve(result as T);
    };
    connection.once('error', onError);
    connection.once('end', onEnd);
    start(settle);
  });
}

export function createSmtpPool(options: SmtpPoolOptions): SmtpPool {
  const idle: SMTPConnection[] = [];
  const waiting: (() => void)[] = [];
  const dead = new WeakSet<SMTPConnection>();
  const signer = options.dkim;
  let open = 0;
  let closed = false;
  let nextStart = 0;

  const connect = async (): Promise<SMTPConnection> => {
    const connection = new SMTPConnection({
      host: options.host,
      port: options.port,
      secure: options.secure,
      tls: { rejectUnauthorized: options.rejectUnauthorized },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    // Failures reach the callbacks below; a connection that errors or ends is never handed out again.
    connection.on('error', () => dead.add(connection));
    connection.on('end', () => dead.add(connection));
    try {
      await call<void>(connection, (callback) => connection.connect((error) => callback(error)));
      if (options.auth) await call<boolean>(connection, (callback) => connection.login(options.auth, callback));
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  };

  const acquire = async (): Promise<SMTPConnection> => {
    for (;;) {
      if (closed) throw Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION' });
      const connection = idle.pop();
      if (connection && !dead.has(connection)) return connection;
      if (connection) {
        open -= 1;
        continue;
      }
      if (open < options.maxConnections) {
        open += 1;
        try {
          return await connect();
        } catch (error) {
          open -= 1;
          waiting.shift()?.();
          throw error;
        }
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  const release = (connection: SMTPConnection, reusable: boolean) => {
    if (reusable && !closed && !dead.has(connection)) {
      idle.push(connection);
    } else {
      open -= 1;
      connection.close();
    }
    waiting.shift()?.();
  };

  /** Spaces message starts evenly when a rate limit is set. */
  const awaitRateSlot = async () => {
    if (options.rateLimit <= 0) return;
    const now = Date.now();
    const start = Math.max(now, nextStart);
    nextStart = start + 1000 / options.rateLimit;
    if (start > now) await sleep(start - now);
  };

  return {
    async send(envelope, raw, dkimSigned = false) {
      // Before a connection is taken: a message that cannot be signed is not sent.
      const message = signer && !dkimSigned ? signer.sign(typeof raw === 'string' ? raw : raw.toString('utf8')) : raw;
      await awaitRateSlot();
      const connection = await acquire();
      try {
        const info = await call<{ response: string }>(connection, (callback) =>
          connection.send({ from: envelope.from, to: [envelope.to] }, message, callback),
        );
        release(connection, true);
        return info.response;
      } catch (error) {
        // Never reuse a connection after a failure: a 421 means the server is closing it, and a reset on a
        // closing connection may never answer. Failures are rare, a new connection is cheap.
        release(connection, false);
        throw error;
      }
    },
    close() {
      closed = true;
      for (const connection of idle.splice(0)) connection.quit();
      for (const wake of waiting.splice(0)) wake();
    },
  };
}
