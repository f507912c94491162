// `paperboy inbound` as an operator runs it: a real process listening on INBOUND_SMTP_PORT, refusing what is not
// ours, unsubscribing the reader whose address was mailed, and stopping cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { readerUnsubscribeMailto } from '../src/mail/return-path.ts';
import { insertSubscribers, publicIdOf, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const CLI = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
const BOUNCES = 'bounces@mail.paperboy.test';

let context: TestContext;
before(async () => {
  context = await createTestContext('inbound-command', { BOUNCE_ADDRESS: BOUNCES });
});
after(() => context.close());

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function send(port: number, to: string): Promise<{ ok: boolean; code?: number }> {
  return new Promise((resolve) => {
    const connection = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true });
    connection.once('error', () => resolve({ ok: false }));
    connection.connect(() =>
      connection.send({ from: 'reader@example.org', to: [to] }, 'Subject: unsubscribe\r\n\r\nplease\r\n', (error) => {
        connection.quit();
        resolve(error ? { ok: false, code: (error as { responseCode?: number }).responseCode } : { ok: true });
      }),
    );
  });
}

test('paperboy inbound listens on INBOUND_SMTP_PORT, refuses strangers, unsubscribes by mail, stops on SIGTERM', async () => {
  const [leaverId, stayerId] = await insertSubscribers(context.database.pool, [
    { email: 'leaver@example.org', status: 'confirmed' },
    { email: 'stayer@example.org', status: 'confirmed' },
  ]);
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'inbound'], {
    env: {
      PATH: process.env.PATH ?? '',
      PAPERBOY_SOURCE: '1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: context.env.DATABASE_URL,
      REDIS_URL: context.env.REDIS_URL,
      QUEUE_PREFIX: context.env.QUEUE_PREFIX,
      SMTP_URL: context.env.SMTP_URL,
      SECRET_KEY: context.env.SECRET_KEY,
      BOUNCE_ADDRESS: BOUNCES,
      INBOUND_SMTP_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(async () => output.includes('inbound SMTP receiver listening'), `the receiver to listen\n${output}`, 30_000);
    assert.equal((await send(port, 'postmaster@mail.paperboy.test')).code, 550);
    assert.equal(
      (await send(port, readerUnsubscribeMailto(context.env, context.services.keys, await publicIdOf(context.database.pool, leaverId!))!))
        .ok,
      true,
    );
    const { rows } = await context.database.pool.query<{ id: number; status: string }>(
      `SELECT id, status FROM subscribers WHERE id = ANY($1) ORDER BY id`,
      [[leaverId, stayerId]],
    );
    assert.deepEqual(
      rows.map((row) => row.status),
      ['unsubscribed', 'confirmed'],
    );
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, output);
});
