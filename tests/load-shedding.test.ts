// Past its limits the API sheds load (503 + Retry-After at once) rather than falling over, and recovers
// by itself. The overload is made real: the event loop is kept busy for 1.5 s, as a flood of work would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
let app: FastifyInstance;
before(async () => {
  context = await createTestContext('load_shedding', { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '50', OVERLOAD_RETRY_AFTER_SECONDS: '3' });
  app = await buildApp(context.services);
});
after(async () => {
  await app.close();
  await context.close();
});

/** Occupies the event loop in 100 ms slices for `ms`, yielding between slices so timers (the sampler) still run. */
async function keepEventLoopBusy(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = Date.now() + 100;
    while (Date.now() < slice) {
      // busy: this is the overload
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an overloaded API answers 503 with Retry-After, keeps liveness up, and recovers by itself', async () => {
  const calm = await app.inject({ url: '/readyz', headers: { accept: 'application/json' } });
  assert.equal(calm.statusCode, 200, 'serves normally before the overload');

  await keepEventLoopBusy(1_500);
  const shed = await app.inject({ url: '/readyz', headers: { accept: 'application/json' } });
  assert.equal(shed.statusCode, 503, 'sheds while the event loop lags');
  assert.equal(shed.headers['retry-after'], '3');
  assert.equal(shed.json().error, 'overloaded');
  const page = await app.inject({ url: '/readyz', headers: { accept: 'text/html' } });
  assert.equal(page.statusCode, 503);
  assert.match(page.body, /busy/);
  assert.doesNotMatch(page.body, /FST_|under-pressure|\bat .+:\d+:\d+/, 'a person sees a page, not internals');
  const liveness = await app.inject({ url: '/healthz' });
  assert.equal(liveness.statusCode, 200, 'liveness is never shed: a busy process must not be restarted');

  await sleep(1_000); // a few calm samples
  const recovered = await app.inject({ url: '/readyz', headers: { accept: 'application/json' } });
  assert.equal(recovered.statusCode, 200, 'serves again without anyone stepping in');
});
