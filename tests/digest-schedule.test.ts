// The daily scheduler: however many workers run, one tick is one digest.
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
  context = await createTestContext('digest-schedule', { DIGEST_TZ: 'UTC' });
  second = await openServices(context.env, { logger: createLogger('silent') });
});
after(async () => {
  await second.close();
  await context.close();
});

test('the daily scheduler fires once per tick with two workers running, and each reader gets one digest', async () => {
  const { pool } = context.database;
  await insertPapers(pool, [{ title: 'Scheduled paper', upvotes: 30 }]);
  await insertConfirmedReaders(pool, 5);

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
    // Both processes install the same schedulers, as every `paperboy worker` does at start.
    // The tick is computed now, not at setup: on a busy machine setup can take longer than a few seconds.
    const cron = cronInSeconds(3);
    const installers = [context.services, second].map((services) => ({ ...services, env: { ...services.env, DIGEST_CRON: cron } }));
    await Promise.all(installers.map((services) => installDigestSchedules(services)));
    await Promise.all(installers.map((services) => installDigestSchedules(services)));
    const today = dateIn('UTC');
    await waitFor(() => editionSettled(pool, today), "today's edition to be sent", 20_000);
    // Give a duplicate tick every chance to show up.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(processed.length, 1, `one scheduled digest job ran: ${processed.join(', ')}`);
    assert.deepEqual(await editionSettled(pool, today), { sent: 5 });
    assert.equal(context.smtp.messages.length, 5);
    const schedulers = await context.services.queues.digest.getJobSchedulers();
    assert.deepEqual(schedulers.map((scheduler) => scheduler.key).sort(), ['daily-digest', 'digest-recover']);
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
  }
});
