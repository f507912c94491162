// The pure parts behind the subscription pages: when the first digest comes, and how a link's lifetime is said.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeTtl } from '../src/subscriptions/confirmation-queue.ts';
import { describeDigestTime, nextDigestAt } from '../src/subscriptions/first-digest.ts';

test('the first digest is the next DIGEST_CRON run in DIGEST_TZ, said in that zone', () => {
  const beforeSeven = new Date('2026-03-28T05:30:00Z'); // 06:30 in Paris, winter time
  const next = nextDigestAt('0 7 * * *', 'Europe/Paris', beforeSeven);
  assert.equal(next.toISOString(), '2026-03-28T06:00:00.000Z');
  assert.equal(describeDigestTime(next, 'Europe/Paris'), 'Saturday 28 March at 07:00 (Europe/Paris)');
  // Past today's run: tomorrow, across the switch to summer time (07:00 local is then 05:00 UTC).
  const after = nextDigestAt('0 7 * * *', 'Europe/Paris', new Date('2026-03-28T06:00:01Z'));
  assert.equal(after.toISOString(), '2026-03-29T05:00:00.000Z');
  assert.equal(
    describeDigestTime(nextDigestAt('30 6 * * 1-5', 'America/New_York', new Date('2026-11-28T12:00:00Z')), 'America/New_York'),
    'Monday 30 November at 06:30 (America/New York)',
  );
  assert.match(describeDigestTime(next, 'America/Port_of_Spain'), /\(America\/Port of Spain\)$/, 'every underscore reads as a space');
});

test('link lifetimes are said in words', () => {
  assert.equal(describeTtl(168), '7 days');
  assert.equal(describeTtl(24), '1 day');
  assert.equal(describeTtl(36), '36 hours');
  assert.equal(describeTtl(1), '1 hour');
});
