import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildApp } from '../src/http/app.ts';
import { createOutboxMailer } from '../src/mail/mailer.ts';
import { composeMessage } from '../src/mail/compose.ts';
import { imageNodeOptions } from './support/image-node-options.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const execFileAsync = promisify(execFile);

let context: TestContext;
before(async () => {
  context = await createTestContext('foundation');
});
after(() => context.close());

test('healthz answers and readyz reports Postgres and Redis ready', async () => {
  const app = await buildApp(context.services);
  try {
    const health = await app.inject({ url: '/healthz' });
    assert.equal(health.statusCode, 200);
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  } finally {
    await app.close();
  }
});

test('the service’s connections run without JIT: a statement whose estimate is large is not compiled first', async () => {
  const { pool } = context.database;
  const { rows } = await pool.query<{ jit: string }>('SHOW jit');
  assert.equal(rows[0]!.jit, 'off');
  // An estimate far above jit_above_cost (100,000), as a batch's statement gets once the deliveries table is large.
  const plan = await pool.query<{ 'QUERY PLAN': string }>(
    'EXPLAIN (ANALYZE) SELECT count(*) FROM generate_series(1, 10) a, generate_series(1, 10000000) b WHERE a < 0',
  );
  const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
  assert.ok(/cost=\d+\.\d+\.\.(\d{6,})/.test(text), text);
  assert.doesNotMatch(text, /JIT:/);
});

test('the development secret is generated once and kept', async () => {
  const { pool } = context.database;
  const { developmentSecret } = await import('../src/db/settings.ts');
  const first = await developmentSecret(pool);
  const second = await developmentSecret(pool);
  assert.equal(first, second);
  assert.ok(first.length >= 32);
});

test('the development outbox stores what is sent and shows it', async () => {
  const mailer = createOutboxMailer(context.database.pool);
  const raw = await composeMessage({
    from: 'Paperboy <digest@paperboy.test>',
    to: 'reader@example.org',
    subject: 'Hello <outbox>',
    text: 'plain part',
    html: '<p>html part</p>',
    messageId: '<outbox-test@paperboy.test>',
  });
  const result = await mailer.send({ from: 'digest@paperboy.test', to: 'reader@example.org', raw });
  assert.match(result.response, /^250 /);

  const app = await buildApp({ ...context.services, mailer });
  try {
    const list = await app.inject({ url: '/dev/outbox' });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Hello &lt;outbox&gt;/);
    const id = /href="\/dev\/outbox\/(\d+)"/.exec(list.body)?.[1];
    assert.ok(id, 'the list links to the message');
    const page = await app.inject({ url: `/dev/outbox/${id}` });
    assert.match(page.body, /plain part/);
    assert.match(page.body, /Message-ID: &lt;outbox-test@paperboy.test&gt;/);
    const htmlPart = await app.inject({ url: `/dev/outbox/${id}/html` });
    assert.match(htmlPart.body, /<p>html part<\/p>/);
    assert.match(String(htmlPart.headers['content-security-policy']), /sandbox/);
  } finally {
    await app.close();
  }
});

test('the outbox is not served when real SMTP is configured', async () => {
  const app = await buildApp(context.services);
  try {
    const response = await app.inject({ url: '/dev/outbox' });
    assert.equal(response.statusCode, 404);
  } finally {
    await app.close();
  }
});

test('the Docker image caps the old space, and a process started with its NODE_OPTIONS gets that heap limit', async () => {
  const options = imageNodeOptions();
  const cap = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
  assert.ok(cap >= 128 && cap <= 1024, `the Dockerfile's ENV NODE_OPTIONS sets --max-old-space-size (found '${options}')`);
  // What a process started with it gets: V8's heap limit follows the cap (not a quarter of the machine's memory).
  const { stdout } = await execFileAsync(process.execPath, ['-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], {
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: options },
  });
  const limitMb = Number(stdout) / 1024 / 1024;
  assert.ok(limitMb > cap && limitMb < cap + 128, `heap limit ${limitMb} MB with ${options}`);
});
