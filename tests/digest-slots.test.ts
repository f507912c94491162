// Readers' own hours and weekly digests end to end (real Postgres, Redis, SMTP; in-process workers): the hourly
// runs send each reader in their hour only; over a week of daily runs a weekly reader gets one email, a daily
// reader seven, and nobody is ever sent a paper twice.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Pool } from '../src/db/pool.ts';
import { saveReaderSettings } from '../src/db/reader-settings.ts';
import { runDigest } from '../src/digest/digest-job.ts';
import { weekdayOf } from '../src/digest/due.ts';
import { utcHourOf } from '../src/http/routes/preferences.ts';
import { applySettings, defaultSettingsFor, type SettingsPatch } from '../src/subscriptions/preferences.ts';
import { insertPapers, insertSubscribers, startDigestWorkers, upcomingDate, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('digest-slots', {
    DIGEST_CRON: '0 7 * * *',
    DIGEST_TZ: 'UTC',
    DIGEST_SIZE: '3',
    DIGEST_POOL_SIZE: '8',
  });
});
after(() => context?.close());
beforeEach(async () => {
  const { pool } = context.database;
  await pool.query('TRUNCATE editions, subscribers, papers, sent_papers, ratings, reader_settings CASCADE');
  context.smtp.messages.length = 0;
});

async function reader(pool: Pool, email: string, patch?: SettingsPatch): Promise<number> {
  const [id] = await insertSubscribers(pool, [{ email, status: 'confirmed' }]);
  if (patch) {
    const settings = applySettings(defaultSettingsFor(context.env), patch);
    await saveReaderSettings(pool, id!, settings, utcHourOf(settings));
  }
  return id!;
}

const messagesTo = (address: string) => context.smtp.messages.filter((message) => message.envelopeTo.includes(address));
const titlesIn = (text: string) => [...text.matchAll(/^ ?\d+\. (.+)$/gm)].map((match) => match[1]!.trim());

/** Runs the digest job and waits until every delivery it made is final. */
async function run(data: Parameters<typeof runDigest>[1]): Promise<number> {
  const result = await runDigest(context.services, data);
  const created = 'created' in result ? result.created : 0;
  await waitFor(
    async () =>
      (await context.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status IN ('queued', 'sending')`))
        .rows[0]!.n === 0,
    'the run to be sent',
  );
  return created;
}

/**
 * A day's six fresh papers, "Paper <serial>", fewer votes than the days before (their leftovers stay in the pool),
 * listed together so their trending order is their votes. Returns the last serial.
 */
async function listSixPapers(pool: Pool, serial: number): Promise<number> {
  const ids = await insertPapers(
    pool,
    Array.from({ length: 6 }, (_, index) => ({ title: `Paper ${serial + index + 1}`, upvotes: 500 - (serial + index + 1) })),
  );
  await pool.query(`UPDATE papers SET listed_at = now() - interval '2 hours' WHERE id = ANY($1::bigint[])`, [ids]);
  return serial + 6;
}

test('a reader in Asia/Tokyo asking for 08:00 is sent in the 23:00 UTC run of the day before, and in no other hourly run', async () => {
  const { pool } = context.database;
  // Runs before 07:00 send (and build) the day before's edition, of three papers: one is left for the day's.
  await insertPapers(pool, [
    { title: 'Hourly paper one' },
    { title: 'Hourly paper two' },
    { title: 'Hourly paper three' },
    { title: 'Hourly paper four' },
  ]);
  const tokyo = 'tokyo@example.org';
  const tokyoId = await reader(pool, tokyo, { hour: 8, timeZone: 'Asia/Tokyo' });
  await reader(pool, 'default@example.org');
  const day = upcomingDate(1);
  const workers = startDigestWorkers(context.services);
  const sentIn: Record<string, string[]> = {};
  try {
    for (let hour = 0; hour < 24; hour++) {
      const slot = `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
      const before = context.smtp.messages.length;
      await run({ trigger: 'manual', slot });
      sentIn[slot] = context.smtp.messages.slice(before).flatMap((message) => message.envelopeTo);
    }
  } finally {
    await workers.close();
  }
  const slotsOf = (address: string) => Object.keys(sentIn).filter((slot) => sentIn[slot]!.includes(address));
  // 08:00 on the next day in Tokyo (UTC+9) is 23:00 UTC today.
  assert.deepEqual(slotsOf(tokyo), [`${day}T23:00:00.000Z`]);
  assert.deepEqual(slotsOf('default@example.org'), [`${day}T07:00:00.000Z`], 'no settings: DIGEST_CRON’s hour');
  assert.equal(messagesTo(tokyo).length, 1);
  const { rows } = await pool.query<{ utc_hour: number }>('SELECT utc_hour FROM reader_settings WHERE subscriber_id = $1', [tokyoId]);
  assert.equal(rows[0]!.utc_hour, 23, 'bucketed by its UTC hour');
});

test('over seven daily runs a weekly reader gets one email, on their weekday, of the week’s best not sent to them; a daily reader seven, never a paper twice', async () => {
  const { pool } = context.database;
  const days = Array.from({ length: 7 }, (_, index) => upcomingDate(1 + index));
  const weeklyDay = days[4]!;
  await reader(pool, 'weekly@example.org', { frequency: 'weekly', weekday: weekdayOf(weeklyDay), size: 5 });
  // A daily reader of their own (size 5 from a pool of 8): the pool's leftovers come back the next day.
  await reader(pool, 'daily@example.org', { size: 5 });
  await reader(pool, 'shared@example.org');
  const workers = startDigestWorkers(context.services);
  let serial = 0;
  try {
    for (const day of days) {
      serial = await listSixPapers(pool, serial);
      await run({ trigger: 'manual', date: day });
    }
  } finally {
    await workers.close();
  }
  const weekly = messagesTo('weekly@example.org');
  assert.equal(weekly.length, 1, 'one weekly email');
  assert.match(weekly[0]!.parsed.messageId!, new RegExp(`edition-${weeklyDay}`), 'on their weekday');
  const weeklyTitles = titlesIn(weekly[0]!.parsed.text!);
  assert.equal(weeklyTitles.length, 5);
  // The week so far (five editions' pools), best first: the lowest serials have the most votes.
  const serials = weeklyTitles.map((title) => Number(title.replace('Paper ', '')));
  assert.deepEqual(
    serials,
    [...serials].sort((a, b) => a - b),
    'best first',
  );
  assert.ok(
    serials.every((n) => n <= 30),
    'from the week up to that day',
  );

  for (const address of ['daily@example.org', 'shared@example.org']) {
    const received = messagesTo(address);
    assert.equal(received.length, 7, `${address}: seven emails`);
    const titles = received.flatMap((message) => titlesIn(message.parsed.text!));
    assert.equal(new Set(titles).size, titles.length, `${address}: never a paper twice (${titles.join(', ')})`);
  }
  assert.equal(titlesIn(messagesTo('daily@example.org')[0]!.parsed.text!).length, 5);
});

test('a reader of the shared digest who turns weekly is not sent again what the shared digests carried, and the shared digest writes no sent_papers', async () => {
  const { pool } = context.database;
  const days = Array.from({ length: 5 }, (_, index) => upcomingDate(1 + index));
  const turner = await reader(pool, 'turner@example.org');
  const workers = startDigestWorkers(context.services);
  let serial = 0;
  try {
    for (const [index, day] of days.entries()) {
      if (index === 3) {
        const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sent_papers WHERE subscriber_id = $1', [turner]);
        assert.equal(rows.rows[0]!.n, 0, 'three shared digests, no sent_papers rows: their delivery rows are the record');
        const settings = applySettings(defaultSettingsFor(context.env), { frequency: 'weekly', weekday: weekdayOf(days[4]!), size: 5 });
        await saveReaderSettings(pool, turner, settings, utcHourOf(settings));
      }
      serial = await listSixPapers(pool, serial);
      await run({ trigger: 'manual', date: day });
    }
  } finally {
    await workers.close();
  }
  const received = messagesTo('turner@example.org');
  assert.equal(received.length, 4, 'three shared digests, then the weekly one on its day');
  const sharedTitles = received.slice(0, 3).flatMap((message) => titlesIn(message.parsed.text!));
  assert.equal(sharedTitles.length, 9);
  const weeklyTitles = titlesIn(received[3]!.parsed.text!);
  assert.equal(weeklyTitles.length, 5);
  // The week's pools hold the shared digests' papers, and those have the most votes: only the record keeps them out.
  assert.deepEqual(
    weeklyTitles.filter((title) => sharedTitles.includes(title)),
    [],
    `weekly ${weeklyTitles.join(', ')} against shared ${sharedTitles.join(', ')}`,
  );
  const kept = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sent_papers WHERE subscriber_id = $1', [turner]);
  assert.equal(kept.rows[0]!.n, 5, "the weekly (personal) digest's papers are kept");
});

test('a scheduled run after hours no run served sends those hours’ readers, late and once; a run by hand serves its own hour only', async () => {
  const { pool } = context.database;
  await insertPapers(pool, [{ title: 'Catch-up paper one' }, { title: 'Catch-up paper two' }, { title: 'Catch-up paper three' }]);
  await reader(pool, 'default@example.org');
  for (const hour of [8, 9, 11]) await reader(pool, `h${hour}@example.org`, { hour, timeZone: 'UTC' });
  const day = upcomingDate(1);
  const workers = startDigestWorkers(context.services);
  const sentIn: Record<number, string[]> = {};
  try {
    // The workers were down from 08:00 to 09:59; at 12:00 the operator ran that hour by hand.
    for (const [hour, trigger] of [
      [7, 'schedule'],
      [10, 'schedule'],
      [12, 'manual'],
      [13, 'schedule'],
      [14, 'schedule'],
    ] as const) {
      const before = context.smtp.messages.length;
      await run({ trigger, slot: `${day}T${String(hour).padStart(2, '0')}:00:00.000Z` });
      sentIn[hour] = context.smtp.messages
        .slice(before)
        .flatMap((message) => message.envelopeTo)
        .sort();
    }
  } finally {
    await workers.close();
  }
  assert.deepEqual(sentIn, {
    7: ['default@example.org'],
    10: ['h8@example.org', 'h9@example.org'],
    12: [],
    13: ['h11@example.org'],
    14: [],
  });
  const { rows } = await pool.query<{ slot: Date }>('SELECT slot_start AS slot FROM digest_slot_runs ORDER BY slot_start');
  assert.deepEqual(
    rows.map((row) => row.slot.getUTCHours()),
    [7, 10, 13, 14],
    'only the scheduler’s runs are the record',
  );
});
