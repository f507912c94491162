// A small history for the dashboard, /metrics and `paperboy stats`: readers who joined, left and bounced on known
// days, three editions with known outcomes (one paused), a bounce and a complaint. Returns what the charts must show.
import type { Pool } from '../../src/db/pool.ts';

const daysAgo = (days: number) => `now() - interval '${days} days'`;

export interface SeededHistory {
  /** Readers in each state now. */
  now: { confirmed: number; pending: number; unsubscribed: number; suppressed: number };
  /** Confirmed readers 20 days ago (end of that day). */
  confirmed20DaysAgo: number;
  editions: { editionDate: string; sent: number; failed: number; skipped: number; open: number }[];
  pausedDate: string;
  bouncedEmail: string;
}

async function reader(pool: Pool, email: string, events: [status: string, days: number][]): Promise<number> {
  const last = events.at(-1)!;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO subscribers (email_input, email, status, created_at, confirmed_at)
     VALUES ($1, $1, $2, ${daysAgo(events[0]![1])}, ${events.some(([status]) => status === 'confirmed') ? 'now()' : 'NULL'}) RETURNING id`,
    [email, last[0]],
  );
  const id = rows[0]!.id;
  for (const [status, days] of events) {
    await pool.query(
      `INSERT INTO subscriber_events (subscriber_id, status, reason, occurred_at) VALUES ($1, $2, 'seed', now() - make_interval(days => $3))`,
      [id, status, days],
    );
  }
  return id;
}

export async function seedDashboardHistory(pool: Pool, today: string): Promise<SeededHistory> {
  const ids: number[] = [];
  ids.push(
    await reader(pool, 'early.one@example.org', [
      ['pending', 60],
      ['confirmed', 60],
    ]),
  );
  ids.push(
    await reader(pool, 'early.two@example.org', [
      ['pending', 45],
      ['confirmed', 44],
    ]),
  );
  ids.push(
    await reader(pool, 'recent.one@example.org', [
      ['pending', 10],
      ['confirmed', 9],
    ]),
  );
  ids.push(
    await reader(pool, 'leaver@example.org', [
      ['pending', 50],
      ['confirmed', 50],
      ['unsubscribed', 5],
    ]),
  );
  ids.push(await reader(pool, 'waiting@example.org', [['pending', 1]]));
  const bouncedEmail = 'bounced.reader@example.org';
  ids.push(
    await reader(pool, bouncedEmail, [
      ['pending', 30],
      ['confirmed', 30],
      ['suppressed', 2],
    ]),
  );
  await pool.query(
    `INSERT INTO suppressions (email, reason, detail, created_at) VALUES ($1, 'hard_bounce', '550 5.1.1 no such user', ${daysAgo(2)})`,
    [bouncedEmail],
  );
  await pool.query(
    `INSERT INTO suppressions (email, reason, detail, created_at) VALUES ('complainer@example.net', 'complaint', 'abuse report (ARF)', ${daysAgo(1)})`,
  );

  const editions: SeededHistory['editions'] = [];
  const outcomes = [
    { sent: 4, failed: 1, skipped: 1, open: 0, days: 3 },
    { sent: 3, failed: 0, skipped: 2, open: 1, days: 2 },
    { sent: 2, failed: 2, skipped: 0, open: 2, days: 1 },
  ];
  for (const outcome of outcomes) {
    const { rows } = await pool.query<{ id: number; editionDate: string }>(
      `INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template)
       VALUES ($1::date - $2::int, 'Trending papers', 'Today: tiny models', '[{"rank":1,"title":"A paper","url":"https://arxiv.org/abs/2601.00001","upvotes":7,"score":1.5}]',
               '<p>The edition. <a href="%%PAPERBOY_UNSUBSCRIBE_URL%%">Unsubscribe</a></p>', 'x')
       RETURNING id, edition_date AS "editionDate"`,
      [today, outcome.days],
    );
    const edition = rows[0]!;
    const states = [
      ...Array<string>(outcome.sent).fill('sent'),
      ...Array<string>(outcome.failed).fill('failed'),
      ...Array<string>(outcome.skipped).fill('skipped'),
      ...Array<string>(outcome.open).fill('queued'),
    ];
    // Deliveries to the readers in turn (one per reader per edition: deliveries_once), sent over 90 seconds.
    await pool.query(
      `INSERT INTO deliveries (edition_id, subscriber_id, status, message_id, last_error, created_at, sent_at)
       SELECT $1::bigint, (SELECT id FROM subscribers ORDER BY id OFFSET (n - 1) LIMIT 1), s::delivery_status, '<seed.' || $1::bigint || '.' || n || '@paperboy.test>',
              CASE WHEN s = 'failed' THEN '550 5.7.1 refused' END,
              now() - make_interval(days => $3) , CASE WHEN s = 'sent' THEN now() - make_interval(days => $3) + interval '90 seconds' END
         FROM unnest($2::text[]) WITH ORDINALITY AS t (s, n)`,
      [edition.id, states, outcome.days],
    );
    editions.push({
      editionDate: edition.editionDate,
      sent: outcome.sent,
      failed: outcome.failed,
      skipped: outcome.skipped,
      open: outcome.open,
    });
  }
  const pausedDate = editions.at(-1)!.editionDate;
  await pool.query(
    `UPDATE editions SET paused_at = now(), pause_reason = '550 5.7.1 refused', run_attempts = 4, run_refusals = 2 WHERE edition_date = $1`,
    [pausedDate],
  );
  return {
    now: { confirmed: 3, pending: 1, unsubscribed: 1, suppressed: 1 },
    confirmed20DaysAgo: 4,
    editions,
    pausedDate,
    bouncedEmail,
  };
}
