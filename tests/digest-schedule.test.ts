// The hourly scheduler: however many workers run, one tick is one digest run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Job } from 'bullmq';
import { installDigestSchedules } from '../src/digest/schedule.ts';
import { openServices, type Services } from '../src/runtime/services.ts';
import { createLogger } from '../src/logger.ts';
import { editionSettled, insertConfirmedReaders, insertPapers, startDigestWorkers, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { dateIn } from '../src/digest/calendar.ts';

/** A cron that fires once, a few seconds from now (six fields: seconds first), in UTC. */
function cronInSeconds(seconds: number): string {
  const at = new Date(Date.now() + seconds * 1000);
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}

let context: TestContext;
let second: Services;
before(async () => {
  // The edition is built in DIGEST_CRON's hour, and readers without settings are due in it: this hour.
  context = await createTestContext('digest-schedule', { DIGEST_TZ: 'UTC', DIGEST_CRON: `0 ${new Date().getUTCHours()} * * *` });
  second = await openServices(context.env, { logger: createLogger('silent') });
});
after(async () => {
  await second.close();
  await context.close();
});

test('the hourly scheduler fires once per tick with two workers running, and each reader gets one digest', async () => {
  const { pool } = context.database;
  await insertPapers(pool, [{ title: 'Scheduled paper', upvotes: 30 }]);
  await insertConfirmedReaders(pool, 5);

  // Both processes install the same schedulers, as every `paperboy worker` does at start. The tick is a few
  // seconds ahead; if installing took longer than that on a busy machine (no worker runs yet, so nothing was
  // processed), the queue is cleared and the schedules installed again with a later tick.
  let tick = 0;
  for (let attempt = 0; ; attempt++) {
    tick = Date.now() + 3_000;
    const cron = cronInSeconds(3);
    const installers = [context.services, second].map((services) => ({
      ...services,
      env: { ...services.env, DIGEST_CRON: cron, DIGEST_SLOT_CRON: cron },
    }));
    await Promise.all(installers.map((services) => installDigestSchedules(services)));
    await Promise.all(installers.map((services) => installDigestSchedules(services)));
    if (Date.now() < tick - 1_000) break;
    assert.ok(attempt < 5, 'could not install the schedules a few seconds ahead of their tick');
    await context.clearQueues();
  }

  const processed: string[] = [];
  const runners = [startDigestWorkers(context.services), startDigestWorkers(second)];
  for (const runner of runners) {
    for (const worker of runner.workers) {
      worker.on('completed', (job: Job) => {
        if (job.name === 'digest' && (job.data as { trigger?: string }).trigger === 'schedule') processed.push(String(job.id));
      });
    }
  }
  try {
    const today = dateIn('UTC');
    await waitFor(() => editionSettled(pool, today), "today's edition to be sent", 20_000);
    // A duplicate of the tick would be due now: once no digest job is waiting, running or due, every job the
    // tick made has run, and the only ones left are future ticks.
    const digest = context.services.queues.digest;
    await waitFor(
      async () => {
        const counts = await digest.getJobCounts('waiting', 'active', 'prioritized');
        const delayed = await digest.getJobs(['delayed']);
        return (
          Object.values(counts).every((count) => count === 0) &&
          delayed.every((job) => job.timestamp + (job.opts.delay ?? 0) > tick + 1_000)
        );
      },
      'no digest job due for the tick',
      20_000,
    );
    const completed = (await digest.getJobs(['completed'])).filter((job) => (job.data as { trigger?: string }).trigger === 'schedule');
    assert.equal(completed.length, 1, `one scheduled digest job in the queue: ${completed.map((job) => job.id).join(', ')}`);
    assert.equal(processed.length, 1, `one scheduled digest job ran: ${processed.join(', ')}`);
    assert.deepEqual(await editionSettled(pool, today), { sent: 5 });
    assert.equal(context.smtp.messages.length, 5);
    const schedulers = await context.services.queues.digest.getJobSchedulers();
    assert.deepEqual(schedulers.map((scheduler) => scheduler.key).sort(), ['daily-digest', 'digest-recover']);
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
  }
});
