// `npm run bench:smtp`: CPU per message of the two ways to hand a prebuilt message to Nodemailer, against
// the same local sink (bench/smtp-sink.ts, a second process): the pooled transport (`sendMail({ raw })`,
// the baseline) and paperboy's pool of SMTPConnections (src/mail/smtp-pool.ts), at several message sizes.
//   --messages N (3000)  --connections C (8)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { createSmtpPool } from '../src/mail/smtp-pool.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '3000' }, connections: { type: 'string', default: '8' } } });
const MESSAGES = Number(values.messages);
const CONNECTIONS = Number(values.connections);

const sink = fork(fileURLToPath(new URL('./smtp-sink.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((resolve) => sink.once('message', (message: { port: number }) => resolve(message.port)));

function message(size: number): Buffer {
  const body = `${'x'.repeat(75)}\r\n`.repeat(Math.ceil(size / 77));
  return Buffer.from(
    `From: bench@paperboy.test\r\nTo: reader@paperboy.test\r\nSubject: bench\r\nMessage-ID: <bench@paperboy.test>\r\n\r\n${body}`,
  );
}

/** Sends MESSAGES messages with at most 2 × CONNECTIONS in flight; returns µs of this process's CPU per message and msg/s. */
async function measure(send: () => Promise<unknown>): Promise<{ cpu: number; rate: number }> {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS * 2 }, async () => {
      while (next < MESSAGES) {
        next += 1;
        await send();
      }
    }),
  );
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: (cpu.user + cpu.system) / MESSAGES, rate: (MESSAGES / (performance.now() - started)) * 1000 };
}

const envelope = { from: 'bench@paperboy.test', to: 'reader@paperboy.test' };
process.stdout.write(`smtp-bench: ${MESSAGES} messages per row, ${CONNECTIONS} connections, sink in a second process\n`);
let lastRatio = 0;
for (const size of [10_000, 39_000, 59_000]) {
  const raw = message(size);
  const transport = nodemailer.createTransport({
    pool: true,
    host: '127.0.0.1',
    port,
    ignoreTLS: true,
    maxConnections: CONNECTIONS,
    maxMessages: Infinity,
  });
  const baseline = await measure(() => transport.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw }));
  transport.close();
  const pool = createSmtpPool({
    host: '127.0.0.1',
    port,
    secure: false,
    rejectUnauthorized: false,
    maxConnections: CONNECTIONS,
    rateLimit: 0,
  });
  const ours = await measure(() => pool.send(envelope, raw));
  pool.close();
  lastRatio = baseline.cpu / ours.cpu;
  process.stdout.write(
    `${String(raw.length).padStart(6)} bytes: transport ${baseline.cpu.toFixed(0)} µs/msg (${baseline.rate.toFixed(0)} msg/s), ` +
      `SMTPConnection pool ${ours.cpu.toFixed(0)} µs/msg (${ours.rate.toFixed(0)} msg/s), ${lastRatio.toFixed(2)}x less CPU\n`,
  );
}
sink.kill();
process.stdout.write(`smtp-bench: ${lastRatio.toFixed(2)}x less CPU per message than Nodemailer's pooled transport at 59 KB\n`);
