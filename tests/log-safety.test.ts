// Logs are read by more people than the database: they must never hold SECRET_KEY, a token (a logged token
// is a working confirm or unsubscribe link) or a whole email address. The app and the confirmation worker
// log at trace level into a buffer while a reader subscribes, confirms, unsubscribes and resubscribes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import type { WorkerDefinition } from '../src/queue/workers.ts';
import type { RunningWorkers } from '../src/queue/workers.ts';
import { startProcessors } from '../src/runtime/processors.ts';
import type { Services } from '../src/runtime/services.ts';
import { confirmationsProcessor } from '../src/subscriptions/confirmation-mail.ts';
import { unsubscribeToken } from '../src/subscriptions/links.ts';
import { createTestContext, TEST_SECRET, type TestContext } from './support/services.ts';

const READER = 'Ada.Lovelace+papers@Example.ORG';
const SECOND_READER = 'charles.babbage@example.net';

let context: TestContext;
let services: Services;
let app: FastifyInstance;
let workers: RunningWorkers;
const logged: string[] = [];

before(async () => {
  context = await createTestContext('log_safety');
  const logger = createLogger('trace', 'paperboy', { write: (line: string) => void logged.push(line) });
  services = { ...context.services, logger };
  app = await buildApp(services);
  workers = startProcessors(services, [confirmationsProcessor(services) as WorkerDefinition]);
});
after(async () => {
  await workers?.close();
  await app?.close();
  await context?.close();
});

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

test('the log holds no secret, no token and no whole address through a whole subscription lifecycle', async () => {
  // Subscribe as a person and as a program, plus a refused address (error paths log too).
  assert.equal((await app.inject({ method: 'POST', url: '/subscribe', ...form({ email: READER }) })).statusCode, 202);
  const json = await app.inject({
    method: 'POST',
    url: '/subscribe',
    headers: { 'content-type': 'application/json' },
    payload: { email: SECOND_READER },
  });
  assert.equal(json.statusCode, 202);
  assert.equal((await app.inject({ method: 'POST', url: '/subscribe', ...form({ email: 'ada.lovelace@@example.org' }) })).statusCode, 400);

  // The confirmation email carries the real confirm token.
  const [mail] = await context.smtp
    .waitForMessages(2, 15_000)
    .then((messages) => messages.filter((m) => m.envelopeTo.includes(READER.replace('Example.ORG', 'example.org'))));
  assert.ok(mail, 'the reader got a confirmation email');
  const confirmToken = /\/confirm\?token=([A-Za-z0-9_.-]+)/.exec(mail.parsed.text ?? '')?.[1];
  assert.ok(confirmToken, 'the email holds a confirm link');

  assert.equal((await app.inject({ url: `/confirm?token=${confirmToken}` })).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/confirm', ...form({ token: confirmToken }) })).statusCode, 200);

  const { rows } = await context.database.pool.query<{ publicId: string }>(
    `SELECT replace(public_id::text, '-', '') AS "publicId" FROM subscribers WHERE lower(email) = lower($1)`,
    [READER],
  );
  const leaveToken = unsubscribeToken(services.keys, rows[0]!.publicId);
  assert.equal((await app.inject({ url: `/unsubscribe?token=${leaveToken}` })).statusCode, 200);
  const oneClick = await app.inject({
    method: 'POST',
    url: `/unsubscribe?token=${leaveToken}`,
    ...form({ 'List-Unsubscribe': 'One-Click' }),
  });
  assert.equal(oneClick.statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/resubscribe', ...form({ token: leaveToken }) })).statusCode, 200);
  // A forged token is refused, and its value is not logged either.
  const forged = `${leaveToken.slice(0, -4)}AAAA`;
  assert.equal((await app.inject({ url: `/unsubscribe?token=${forged}` })).statusCode, 400);

  const log = logged.join('');
  // The log is real and covers these requests: otherwise the checks below would pass on nothing.
  // One access line per request (src/http/access-log.ts): nine requests above.
  assert.equal(logged.filter((line) => line.includes('"msg":"request completed"')).length, 9, `${logged.length} log lines`);
  assert.match(log, /token=\[redacted\]/, 'token-bearing URLs were logged, redacted');
  assert.match(log, /confirmation sent/, 'the worker logged its send');
  assert.match(log, /A\*\*\*@e\*\*\*\.org/, 'the address appears masked');

  for (const secret of [TEST_SECRET, services.keys.tokens.toString('hex'), services.keys.tokens.toString('base64url')]) {
    assert.ok(!log.includes(secret), 'no SECRET_KEY or key derived from it');
  }
  for (const token of [confirmToken, leaveToken, forged]) {
    assert.ok(!log.includes(token), 'no token value');
    assert.ok(!log.includes(token.split('.')[1]!), 'not even its signature');
  }
  for (const address of [READER, SECOND_READER, 'ada.lovelace@@example.org']) {
    const local = address.split('@')[0]!.toLowerCase();
    assert.ok(!log.toLowerCase().includes(local), `no address (${local}@…) in the log`);
  }
});
