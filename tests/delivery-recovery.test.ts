// Redis keeps nothing on disk here: if it loses the queue mid-run, Postgres still knows what is left.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runDigest } from '../src/digest/digest-job.ts';
import { editionSettled, insertConfirmedReaders, insertPapers, startDigestWorkers, waitFor, upcomingDate } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('delivery-recovery', { DELIVERY_BATCH_SIZE: '7' });
});
after(() => context.close());

test('after the queue is lost, the recovery sweep re-enqueues every open delivery and each reader gets one email', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  await insertPapers(pool, [{ title: 'Survives a Redis loss', upvotes: 10 }]);
  await insertConfirmedReaders(pool, 40);
  const fanned = await runDigest(context.services, { date, trigger: 'manual' });
  assert.ok('created' in fanned && fanned.created === 40);
  // A reader already served before the loss, and one caught mid-send by a process that died with it.
  await pool.query(`UPDATE deliveries SET status = 'sent', sent_at = now() WHERE id = (SELECT min(id) FROM deliveries)`);
  await pool.query(
    `UPDATE deliveries SET status = 'sending', claimed_by = 'gone', updated_at = now() - interval '10 minutes' WHERE id = (SELECT max(id) FROM deliveries)`,
  );
  await context.clearQueues();

  // While the queue still holds work the sweep does nothing; with the queue empty it re-enqueues.
  const recovered = await runDigest(context.services, { trigger: 'recover' });
  assert.ok('recovered' in recovered);
  assert.equal(recovered.recovered.length, 1);
  assert.equal(recovered.recovered[0]!.jobs, Math.ceil(39 / 7));
  const idle = await runDigest(context.services, { trigger: 'recover' });
  assert.deepEqual(idle, { recovered: [] }, 'nothing more while jobs are waiting');

  const workers = startDigestWorkers(context.services);
  try {
    assert.deepEqual(await waitFor(() => editionSettled(pool, date), 'every delivery to be final'), { sent: 40 });
  } finally {
    await workers.close();
  }
  assert.equal(context.smtp.messages.length, 39, 'the reader served before the loss is not mailed again');
  assert.equal(new Set(context.smtp.messages.map((message) => message.envelopeTo[0])).size, 39);
});
