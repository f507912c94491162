// When a reader's digest is due (src/digest/delivery-slots.ts): their hour in their time zone, hourly runs in UTC.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instantOf, isDue, localTime, slotOf, type DeliveryPreference } from '../src/digest/delivery-slots.ts';

const hourlyRuns = (fromIso: string, hours: number) =>
  Array.from({ length: hours }, (_, index) => new Date(Date.parse(fromIso) + index * 3_600_000));
const dueRuns = (preference: DeliveryPreference, fromIso: string, hours: number) =>
  hourlyRuns(fromIso, hours)
    .filter((slot) => isDue(preference, slot))
    .map((slot) => slot.toISOString());

test('a reader in Asia/Tokyo asking for 08:00 is sent in the 23:00 UTC run of the day before, and in no other run', () => {
  const tokyo: DeliveryPreference = { frequency: 'daily', weekday: 1, hour: 8, timeZone: 'Asia/Tokyo' };
  assert.deepEqual(dueRuns(tokyo, '2026-12-01T00:00:00Z', 48), ['2026-12-01T23:00:00.000Z', '2026-12-02T23:00:00.000Z']);
  assert.deepEqual(dueRuns(tokyo, '2026-11-30T00:00:00Z', 24), ['2026-11-30T23:00:00.000Z']);
});

test('a daily reader is due once per day; a weekly reader once per week, on their weekday', () => {
  const daily: DeliveryPreference = { frequency: 'daily', weekday: 1, hour: 7, timeZone: 'Europe/Paris' };
  assert.equal(dueRuns(daily, '2026-12-01T00:00:00Z', 7 * 24).length, 7);
  // 2026-12-04 is a Friday (weekday 5).
  const weekly: DeliveryPreference = { frequency: 'weekly', weekday: 5, hour: 7, timeZone: 'Europe/Paris' };
  assert.deepEqual(dueRuns(weekly, '2026-12-01T00:00:00Z', 7 * 24), ['2026-12-04T06:00:00.000Z']);
  assert.equal(localTime(new Date('2026-12-04T06:00:00Z'), 'Europe/Paris').weekday, 5);
});

test('daylight saving: the local hour holds across the change, and a day never gets two digests or none', () => {
  const newYork: DeliveryPreference = { frequency: 'daily', weekday: 1, hour: 7, timeZone: 'America/New_York' };
  // US clocks fall back on 2026-11-01: 07:00 EDT is 11:00 UTC before, 07:00 EST is 12:00 UTC after.
  assert.deepEqual(dueRuns(newYork, '2026-10-31T00:00:00Z', 72), [
    '2026-10-31T11:00:00.000Z',
    '2026-11-01T12:00:00.000Z',
    '2026-11-02T12:00:00.000Z',
  ]);
  // Spring forward on 2027-03-14 in New York: 02:00 does not exist; a 02:00 reader is sent at 03:00 EDT.
  assert.equal(instantOf('2027-03-14', 2, 'America/New_York').toISOString(), '2027-03-14T07:00:00.000Z');
  const early: DeliveryPreference = { ...newYork, hour: 2 };
  assert.equal(dueRuns(early, '2027-03-14T00:00:00Z', 24).length, 1);
});

test('half-hour zones are sent in the UTC hour that holds their local hour', () => {
  const kolkata: DeliveryPreference = { frequency: 'daily', weekday: 1, hour: 8, timeZone: 'Asia/Kolkata' };
  // 08:00 IST is 02:30 UTC: the 02:00 UTC run.
  assert.equal(slotOf(kolkata, '2026-12-02').toISOString(), '2026-12-02T02:00:00.000Z');
  assert.deepEqual(dueRuns(kolkata, '2026-12-02T00:00:00Z', 24), ['2026-12-02T02:00:00.000Z']);
});

test('local time reads the reader calendar day and weekday', () => {
  assert.deepEqual(localTime(new Date('2026-12-01T23:30:00Z'), 'Asia/Tokyo'), { date: '2026-12-02', hour: 8, minute: 30, weekday: 3 });
  assert.deepEqual(localTime(new Date('2026-12-01T23:30:00Z'), 'UTC'), { date: '2026-12-01', hour: 23, minute: 30, weekday: 2 });
});

test('a reader whose hour starts a new local day inside a UTC hour is still sent: Kolkata at midnight, in the 18:00 UTC run', () => {
  // 00:00 IST is 18:30 UTC the day before: the 18:00 run spans 23:30 to 00:29 in Kolkata, two local dates.
  const midnight: DeliveryPreference = { frequency: 'daily', weekday: 1, hour: 0, timeZone: 'Asia/Kolkata' };
  assert.deepEqual(dueRuns(midnight, '2026-12-01T00:00:00Z', 48), ['2026-12-01T18:00:00.000Z', '2026-12-02T18:00:00.000Z']);
  // Weekly on Thursday: the Thursday that starts at 18:30 UTC on Wednesday.
  const thursdays: DeliveryPreference = { ...midnight, frequency: 'weekly', weekday: 4 };
  assert.deepEqual(dueRuns(thursdays, '2026-11-30T00:00:00Z', 7 * 24), ['2026-12-02T18:00:00.000Z']);
});

test('every weekday is the reader’s own: Monday to Sunday in Auckland, a day ahead of UTC', () => {
  // 2026-12-07 is a Monday. 09:00 in Auckland (NZDT, +13) is 20:00 UTC the day before.
  const runs = (weekday: number) =>
    dueRuns({ frequency: 'weekly', weekday, hour: 9, timeZone: 'Pacific/Auckland' }, '2026-12-06T00:00:00Z', 7 * 24);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map(runs),
    [6, 7, 8, 9, 10, 11, 12].map((day) => [`2026-12-${String(day).padStart(2, '0')}T20:00:00.000Z`]),
  );
});

test('the far ends of the clock: Kiritimati (+14) and Pago Pago (−11) are sent in the right UTC hour', () => {
  assert.equal(instantOf('2026-12-02', 8, 'Pacific/Kiritimati').toISOString(), '2026-12-01T18:00:00.000Z');
  assert.equal(instantOf('2026-12-02', 8, 'Pacific/Pago_Pago').toISOString(), '2026-12-02T19:00:00.000Z');
  assert.equal(instantOf('2026-12-02', 23, 'Pacific/Pago_Pago').toISOString(), '2026-12-03T10:00:00.000Z');
});

test('a date that is not one is refused loudly rather than answered with some instant', () => {
  assert.throws(() => instantOf('not a date', 8, 'UTC'), { name: 'RangeError', message: 'no instant for not a date 8:00 in UTC' });
});

test('a slot sends the edition of the last DIGEST_CRON before it ends; a day run sends daily readers and that weekday’s weekly ones', async () => {
  const { editionDateForSlot, isReaderDue, bucketsNear, weekdayOf } = await import('../src/digest/due.ts');
  const at = (iso: string) => new Date(iso);
  assert.equal(editionDateForSlot(at('2026-12-02T07:00:00Z'), '0 7 * * *', 'UTC'), '2026-12-02', 'the build hour sends the new edition');
  assert.equal(editionDateForSlot(at('2026-12-02T06:00:00Z'), '0 7 * * *', 'UTC'), '2026-12-01', 'before it, yesterday’s');
  assert.equal(editionDateForSlot(at('2026-12-01T23:00:00Z'), '0 7 * * *', 'UTC'), '2026-12-01');
  assert.equal(editionDateForSlot(at('2026-12-02T07:00:00Z'), '30 7 * * *', 'UTC'), '2026-12-02', 'a cron inside the hour counts');
  assert.equal(weekdayOf('2026-12-02'), 3, 'a Wednesday');
  assert.equal(weekdayOf('2026-12-06'), 7, 'a Sunday');
  const digestDefault = { frequency: 'daily', weekday: 1, hour: 7, timeZone: 'UTC' } as const;
  const weekly = { frequency: 'weekly', weekday: 3, hour: 8, timeZone: 'Asia/Tokyo' } as const;
  assert.equal(isReaderDue({ kind: 'day', weekday: 3 }, weekly, digestDefault), true);
  assert.equal(isReaderDue({ kind: 'day', weekday: 4 }, weekly, digestDefault), false);
  assert.equal(isReaderDue({ kind: 'day', weekday: 4 }, undefined, digestDefault), true, 'no settings: every day');
  assert.equal(isReaderDue({ kind: 'slot', start: at('2026-12-02T07:00:00Z') }, undefined, digestDefault), true);
  assert.equal(isReaderDue({ kind: 'slot', start: at('2026-12-02T08:00:00Z') }, undefined, digestDefault), false);
  // Wednesday 08:00 in Tokyo is Tuesday 23:00 UTC.
  assert.equal(isReaderDue({ kind: 'slot', start: at('2026-12-01T23:00:00Z') }, weekly, digestDefault), true);
  assert.equal(isReaderDue({ kind: 'slot', start: at('2026-12-02T23:00:00Z') }, weekly, digestDefault), false);
  assert.deepEqual(bucketsNear(at('2026-12-02T00:00:00Z')), [23, 0, 1]);
});

test('the hours a run makes up: after the last run, back to its edition’s build, none without a record', async () => {
  const { missedSlots, isReaderDue } = await import('../src/digest/due.ts');
  const at = (iso: string) => new Date(iso);
  const hours = (slots: Date[]) => slots.map((slot) => slot.toISOString().slice(11, 13));
  const cron = '0 7 * * *';
  assert.deepEqual(hours(missedSlots(at('2026-12-02T10:00:00Z'), at('2026-12-02T07:00:00Z'), cron, 'UTC')), ['08', '09']);
  assert.deepEqual(missedSlots(at('2026-12-02T10:00:00Z'), at('2026-12-02T09:00:00Z'), cron, 'UTC'), [], 'no gap');
  assert.deepEqual(missedSlots(at('2026-12-02T10:00:00Z'), null, cron, 'UTC'), [], 'a new install makes up nothing');
  // Down since yesterday: today's edition is made up from its build hour on, yesterday's hours are not.
  assert.deepEqual(hours(missedSlots(at('2026-12-02T09:00:00Z'), at('2026-12-01T20:00:00Z'), cron, 'UTC')), ['07', '08']);
  // Before today's build hour the run sends yesterday's edition, and makes up yesterday's hours.
  assert.deepEqual(hours(missedSlots(at('2026-12-02T03:00:00Z'), at('2026-12-01T22:00:00Z'), cron, 'UTC')), ['23', '00', '01', '02']);
  // Down for days: at most the 24 hours of one edition.
  assert.equal(missedSlots(at('2026-12-10T06:00:00Z'), at('2026-12-01T00:00:00Z'), cron, 'UTC').length, 23);
  // The edition's day is DIGEST_TZ's: 07:00 in New York is 12:00 UTC in December.
  assert.deepEqual(hours(missedSlots(at('2026-12-02T14:00:00Z'), at('2026-12-02T10:00:00Z'), cron, 'America/New_York')), ['12', '13']);
  const digestDefault = { frequency: 'daily', weekday: 1, hour: 7, timeZone: 'UTC' } as const;
  const run = { kind: 'slot', start: at('2026-12-02T10:00:00Z'), missed: [at('2026-12-02T07:00:00Z')] } as const;
  assert.equal(isReaderDue(run, undefined, digestDefault), true, 'due in a missed hour: due in the run');
  assert.equal(isReaderDue({ ...run, missed: [] }, undefined, digestDefault), false);
});
