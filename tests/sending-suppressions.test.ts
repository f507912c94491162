// Suppressions you can see and lift: `paperboy suppressions list [--reason R]` and `remove <email>`, which writes
// an event, restores a reader who had confirmed, and wants --force for a complaint.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertSubscribers } from './support/digest.ts';
import { runPaperboy } from './support/cli.ts';
import { createTestContext, type TestContext } from './support/services.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('sending-suppressions');
});
after(() => context.close());

test('suppressions are listed (by reason too) and lifted by hand; a complaint only with --force', async () => {
  const { pool } = context.database;
  const [bouncedId, complainedId] = await insertSubscribers(pool, [
    { email: 'Misread@Example.org', status: 'suppressed' },
    { email: 'complained@example.org', status: 'suppressed' },
  ]);
  await pool.query(`UPDATE subscribers SET confirmed_at = now() - interval '30 days' WHERE id = ANY($1)`, [[bouncedId, complainedId]]);
  await pool.query(
    `INSERT INTO suppressions (email, reason, detail) VALUES
       ('misread@example.org', 'hard_bounce', '550 5.7.26 DMARC policy'),
       ('complained@example.org', 'complaint', 'abuse report'),
       ('never-subscribed@example.org', 'manual', NULL)`,
  );

  const all = await runPaperboy(context, ['suppressions', 'list']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /hard_bounce\s+misread@example\.org\s+550 5\.7\.26 DMARC policy/);
  assert.match(all.stdout, /^3 suppressed$/m);
  const complaints = await runPaperboy(context, ['suppressions', 'list', '--reason', 'complaint']);
  assert.match(complaints.stdout, /complained@example\.org/);
  assert.doesNotMatch(complaints.stdout, /misread/);
  assert.match(complaints.stdout, /^1 suppressed \(complaint\)$/m);
  assert.equal((await runPaperboy(context, ['suppressions', 'list', '--reason', 'spam'])).code, 2);

  const lifted = await runPaperboy(context, ['suppressions', 'remove', 'misread@example.org']);
  assert.equal(lifted.code, 0, lifted.stdout + lifted.stderr);
  assert.match(lifted.stdout, /misread@example\.org: lifted \(was hard_bounce\); subscriber now confirmed/);
  const { rows: events } = await pool.query(`SELECT status, reason FROM subscriber_events WHERE subscriber_id = $1`, [bouncedId]);
  assert.deepEqual(events, [{ status: 'confirmed', reason: 'suppression lifted by hand (was hard_bounce)' }]);
  const { rows: kept } = await pool.query(`SELECT email, reason, detail, forced FROM suppression_lifts`);
  assert.deepEqual(kept, [{ email: 'misread@example.org', reason: 'hard_bounce', detail: '550 5.7.26 DMARC policy', forced: false }]);

  const refused = await runPaperboy(context, ['suppressions', 'remove', 'complained@example.org']);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /reported the digest as spam; lift it only with --force/);
  const { rows: still } = await pool.query(`SELECT status FROM subscribers WHERE id = $1`, [complainedId]);
  assert.deepEqual(still, [{ status: 'suppressed' }]);
  const forced = await runPaperboy(context, ['suppressions', 'remove', 'complained@example.org', '--force']);
  assert.equal(forced.code, 0);
  assert.match(forced.stdout, /lifted \(was complaint\)/);

  const missing = await runPaperboy(context, ['suppressions', 'remove', 'nobody@example.org']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /not suppressed/);
  const { rows: left } = await pool.query(`SELECT email FROM suppressions`);
  assert.deepEqual(left, [{ email: 'never-subscribed@example.org' }]);
});
