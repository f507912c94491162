// A real SMTP server in the test process (smtp-server), with mailparser reading what arrived.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMessage {
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  messages: ReceivedMessage[];
  /** Decide per recipient: return an SMTP error like { code: 550, message: '…' } to refuse it. */
  setRecipientPolicy(policy: ((address: string) => { code: number; message: string } | undefined) | undefined): void;
  /** Decide per envelope sender (MAIL FROM): return an SMTP error to refuse the whole message there. */
  setSenderPolicy(policy: ((address: string) => { code: number; message: string } | undefined) | undefined): void;
  /** Decide per message once its data arrived (the reply to DATA): `envelopeTo` is the accepted recipients. */
  setDataPolicy(policy: ((envelopeTo: string[]) => { code: number; message: string } | undefined) | undefined): void;
  /** Every envelope sender the server was offered (MAIL FROM), refused or not. */
  senders: string[];
  /** Decide per new connection: return e.g. { code: 421, message: '…' } to refuse it at the greeting. */
  setConnectionPolicy(policy: (() => { code: number; message: string } | undefined) | undefined): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** True when no client is connected and no received message is still being parsed: everything sent so far is in `messages`. */
  quiet(): boolean;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  let policy: ((address: string) => { code: number; message: string } | undefined) | undefined;
  let connectionPolicy: (() => { code: number; message: string } | undefined) | undefined;
  let senderPolicy: ((address: string) => { code: number; message: string } | undefined) | undefined;
  let dataPolicy: ((envelopeTo: string[]) => { code: number; message: string } | undefined) | undefined;
  const senders: string[] = [];
  const refuse = (refusal: { code: number; message: string }) => Object.assign(new Error(refusal.message), { responseCode: refusal.code });
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      const refusal = connectionPolicy?.();
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onMailFrom(address: SMTPServerAddress, _session, callback) {
      senders.push(address.address);
      const refusal = senderPolicy?.(address.address);
      if (refusal) return callback(refuse(refusal));
      callback();
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const refusal = policy?.(address.address);
      if (refusal) {
        const error = new Error(refusal.message) as Error & { responseCode: number };
        error.responseCode = refusal.code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        parsing++;
        const raw = Buffer.concat(chunks);
        const refusal = dataPolicy?.(session.envelope.rcptTo.map((rcpt) => rcpt.address));
        if (refusal) return callback(refuse(refusal));
        const parsed = await simpleParser(raw);
        messages.push({ envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw, parsed });
        parsing--;
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  // A client killed mid-session (the crash tests SIGKILL workers) resets its socket: not a test failure.
  server.on('error', () => {});
  // A socket is counted until the server has seen it close, so everything its client sent has been read.
  let connections = 0;
  let parsing = 0;
  server.server.on('connection', (socket) => {
    connections++;
    socket.once('close', () => connections--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    senders,
    setSenderPolicy(next) {
      senderPolicy = next;
    },
    setDataPolicy(next) {
      dataPolicy = next;
    },
    setRecipientPolicy(next) {
      policy = next;
    },
    setConnectionPolicy(next) {
      connectionPolicy = next;
    },
    quiet: () => connections === 0 && parsing === 0,
    waitForMessages(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(messages);
          }
        };
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
