// An edition's email is compiled once (MJML, ~10 ms) and its message parts encoded once per worker process,
// however many batches its readers are sent in: per-batch work is claiming rows and per-reader headers only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pLimit from 'p-limit';
import type { Pool, Queryable } from '../src/db/pool.ts';
import { runDigest } from '../src/digest/digest-job.ts';
import { sendDeliveryBatch, type DeliveryDeps } from '../src/digest/send-deliveries.ts';
import { createSentRecorder } from '../src/digest/sent-recorder.ts';
import { mjmlCompilationCount } from '../src/mail/templates.ts';
import { deliveryStatuses, insertConfirmedReaders, insertPapers, upcomingDate } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('digest-compile-once', { DELIVERY_BATCH_SIZE: '2' });
});
after(() => context?.close());

/** The real pool, counting the statements that read an edition. */
function countingEditionReads(pool: Pool): { db: Queryable; editionReads: () => number } {
  let reads = 0;
  const db: Queryable = {
    query: ((...args: unknown[]) => {
      const [first] = args;
      const text = typeof first === 'string' ? first : (first as { text?: string }).text;
      if (text && /\bFROM\s+editions\b/i.test(text)) reads++;
      return (pool.query as (...a: unknown[]) => unknown)(...args);
    }) as Pool['query'],
  };
  return { db, editionReads: () => reads };
}

test('an edition sent in several batches is compiled once and its message factory built once per process', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  await insertPapers(pool, [{ title: 'Compiled once', upvotes: 70 }]);
  await insertConfirmedReaders(pool, 7);

  const compiledBefore = mjmlCompilationCount();
  const result = await runDigest(context.services, { date, trigger: 'manual' });
  assert.ok('editionId' in result && result.editionId !== null);
  assert.equal(mjmlCompilationCount() - compiledBefore, 1, 'building the edition compiles its MJML once');
  await context.clearQueues(); // the batches are sent by hand below, not by a worker

  const { rows } = await pool.query<{ id: number }>(`SELECT id FROM deliveries WHERE edition_id = $1 ORDER BY id`, [result.editionId]);
  assert.equal(rows.length, 7);
  const { db, editionReads } = countingEditionReads(pool);
  const deps: DeliveryDeps = {
    db,
    env: context.env,
    keys: context.services.keys,
    mailer: context.services.mailer,
    recorder: createSentRecorder(pool),
    limiter: pLimit(4),
    logger: context.services.logger,
    factories: new Map(),
  };
  const ids = rows.map((row) => row.id);
  const batches = [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4, 6), ids.slice(6)];
  for (const [index, deliveryIds] of batches.entries()) {
    const sent = await sendDeliveryBatch(deps, {
      editionId: result.editionId,
      deliveryIds,
      claimToken: `compile-once-${index}`,
      staleClaimSeconds: 60,
      finalAttempt: true,
    });
    assert.equal(sent.sent, deliveryIds.length, `batch ${index} sent`);
  }
  assert.deepEqual(await deliveryStatuses(pool, date), { sent: 7 });
  assert.equal(mjmlCompilationCount() - compiledBefore, 1, 'sending four batches compiles nothing more');
  // The edition (its message factory built from it) and the week's pools for weekly readers: each once.
  assert.equal(editionReads(), 2, 'the frozen edition and its week are read (and its message factory built) once for four batches');
});
