import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateIn, rankingMomentFor, startOfNextDayIn } from '../src/digest/calendar.ts';

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
