// The SMTP receiver of `paperboy inbound`: accepts mail only for our own signed addresses (550 for anything
// else, at RCPT), reads at most INBOUND_MAX_BYTES, and hands each message to src/mail/inbound.ts. A stranger
// can send it anything: every failure is answered, none is thrown.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { maskEmail } from '../logger.ts';
import { handleInboundMail, inboundRecipientOf, type InboundDeps, type InboundRecipient } from './inbound.ts';

export interface InboundServerOptions {
  host: string;
  port: number;
  maxBytes: number;
}

export interface InboundServer {
  port: number;
  close(): Promise<void>;
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export async function startInboundServer(deps: InboundDeps, options: InboundServerOptions): Promise<InboundServer> {
  const log = deps.logger.child({ part: 'inbound' });
  const recipients = new WeakMap<SMTPServerSession, InboundRecipient[]>();
  const server = new SMTPServer({
    // Mail from other servers: no login, no TLS certificate of our own to offer here (a relay in front can add it).
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    size: options.maxBytes,
    maxClients: 50,
    socketTimeout: 60_000,
    onRcptTo(address: SMTPServerAddress, session, callback) {
      const recipient = inboundRecipientOf(deps.env, deps.keys, address.address);
      if (!recipient) {
        log.info({ to: maskEmail(address.address) }, 'inbound: refused a recipient that is not ours');
        return callback(smtpError(550, '5.1.1 No such recipient here'));
      }
      recipients.set(session, [...(recipients.get(session) ?? []), recipient]);
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= options.maxBytes) chunks.push(chunk);
      });
      stream.on('error', () => {});
      stream.on('end', () => {
        const mine = recipients.get(session) ?? [];
        recipients.delete(session);
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded || size > options.maxBytes) {
          return callback(smtpError(552, '5.3.4 Message too big'));
        }
        const raw = Buffer.concat(chunks);
        Promise.all(mine.map((recipient) => handleInboundMail(deps, recipient, raw))).then(
          () => callback(),
          (error: unknown) => {
            // Postgres away: the sender keeps the report and tries again later.
            log.error({ err: error }, 'inbound: could not record a report');
            callback(smtpError(451, '4.3.0 Try again later'));
          },
        );
      });
    },
  });
  // A client resetting its connection mid-session is not our failure.
  server.on('error', (error) => log.debug({ err: error }, 'inbound: connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host: options.host, port }, 'inbound SMTP receiver listening');
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
