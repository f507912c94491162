import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateIn, isEditionDate, rankingMomentFor, startOfNextDayIn } from '../src/digest/calendar.ts';

test("today is the digest time zone's today, not the server's", () => {
  const instant = new Date('2026-11-28T23:30:00Z');
  assert.equal(dateIn('UTC', instant), '2026-11-28');
  assert.equal(dateIn('Asia/Tokyo', instant), '2026-11-29');
  assert.equal(dateIn('America/Los_Angeles', instant), '2026-11-28');
});

test('a day ends at midnight in its own time zone', () => {
  assert.equal(startOfNextDayIn('2026-11-28', 'UTC').toISOString(), '2026-11-29T00:00:00.000Z');
  assert.equal(startOfNextDayIn('2026-11-28', 'Europe/Paris').toISOString(), '2026-11-28T23:00:00.000Z');
  assert.equal(startOfNextDayIn('2026-07-01', 'America/New_York').toISOString(), '2026-07-02T04:00:00.000Z');
});

test('today ranks as of now; a past edition ranks as of the end of its own day in DIGEST_TZ', () => {
  const now = new Date('2026-11-29T10:00:00Z');
  assert.equal(rankingMomentFor('2026-11-29', 'UTC', now), now);
  assert.equal(rankingMomentFor('2026-12-01', 'UTC', now), now);
  assert.equal(rankingMomentFor('2026-11-28', 'UTC', now).toISOString(), '2026-11-28T23:59:59.000Z');
  assert.equal(rankingMomentFor('2026-11-28', 'Asia/Tokyo', now).toISOString(), '2026-11-28T14:59:59.000Z');
});

test('offsets of minutes and seconds, and days that change the clock, end where their zone says', () => {
  assert.equal(startOfNextDayIn('2026-11-28', 'Asia/Kathmandu').toISOString(), '2026-11-28T18:15:00.000Z', '+05:45');
  assert.equal(startOfNextDayIn('2026-11-28', 'Pacific/Chatham').toISOString(), '2026-11-28T10:15:00.000Z', '+13:45');
  assert.equal(startOfNextDayIn('1970-06-01', 'Africa/Monrovia').toISOString(), '1970-06-02T00:44:30.000Z', '-00:44:30');
  assert.equal(startOfNextDayIn('2026-03-28', 'Europe/Paris').toISOString(), '2026-03-28T23:00:00.000Z', 'the night before summer time');
  assert.equal(startOfNextDayIn('2026-03-29', 'Europe/Paris').toISOString(), '2026-03-29T22:00:00.000Z', 'the day summer time starts');
  assert.equal(startOfNextDayIn('2026-12-31', 'UTC').toISOString(), '2027-01-01T00:00:00.000Z', 'across a year');
});

test('an edition date is a real calendar day written YYYY-MM-DD, and nothing else', () => {
  for (const date of ['2026-11-28', '2024-02-29', '2026-12-31', '2026-01-01']) assert.equal(isEditionDate(date), true, date);
  for (const date of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '2026-01-1', '26-01-01']) {
    assert.equal(isEditionDate(date), false, date);
  }
  for (const date of ['2026-01-01x', 'x2026-01-01', ' 2026-01-01', '2026-01-01\n', '2026/01/01', '', 'yesterday']) {
    assert.equal(isEditionDate(date), false, JSON.stringify(date));
  }
});
