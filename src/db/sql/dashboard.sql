-- The operator's dashboard and `paperboy stats` (src/db/dashboard.ts): figures read from Postgres at request time.

-- name: readers-by-day
-- $1 days, $2 time zone. How many readers were in each state at the end of each day, rebuilt from the
-- subscriber_events trail: each event opens a span of its status that the reader's next event closes; a span
-- counts +1 on the day it opens and -1 on the day it closes, and a running sum gives each day's count.
WITH spans AS (
  SELECT status,
         (occurred_at AT TIME ZONE $2)::date AS opened,
         (lead(occurred_at) OVER (PARTITION BY subscriber_id ORDER BY occurred_at, id) AT TIME ZONE $2)::date AS closed
    FROM subscriber_events
), steps AS (
  SELECT opened AS day, status, 1 AS delta FROM spans
  UNION ALL
  SELECT closed, status, -1 FROM spans WHERE closed IS NOT NULL
), days AS (
  SELECT generate_series((now() AT TIME ZONE $2)::date - ($1::int - 1), (now() AT TIME ZONE $2)::date, interval '1 day')::date AS day
), daily AS (
  -- Everything before the window counts on its first day.
  SELECT greatest(day, (SELECT min(day) FROM days)) AS day, status, sum(delta)::int AS delta FROM steps GROUP BY 1, 2
)
SELECT d.day::text AS day,
       (sum(coalesce(sum(x.delta) FILTER (WHERE x.status = 'confirmed'), 0)) OVER w)::int AS confirmed,
       (sum(coalesce(sum(x.delta) FILTER (WHERE x.status = 'pending'), 0)) OVER w)::int AS pending,
       (sum(coalesce(sum(x.delta) FILTER (WHERE x.status = 'unsubscribed'), 0)) OVER w)::int AS unsubscribed,
       (sum(coalesce(sum(x.delta) FILTER (WHERE x.status = 'suppressed'), 0)) OVER w)::int AS suppressed
  FROM days d
  LEFT JOIN daily x ON x.day = d.day
 GROUP BY d.day
WINDOW w AS (ORDER BY d.day)
 ORDER BY d.day;

-- name: edition-outcomes
-- The last $1 editions, oldest first: their deliveries by outcome and how long the send took (first delivery
-- created to last one sent), from the rows while they are kept and from edition_delivery_counts after.
SELECT e.id, e.edition_date AS "editionDate", e.paused_at AS "pausedAt",
       coalesce(c.sent, d.sent, 0)::int AS sent,
       coalesce(c.failed, d.failed, 0)::int AS failed,
       coalesce(c.skipped, d.skipped, 0)::int AS skipped,
       CASE WHEN c.edition_id IS NULL THEN coalesce(d.open, 0) ELSE 0 END::int AS open,
       extract(epoch FROM coalesce(c.last_sent_at, d.last_sent_at) - coalesce(c.started_at, d.started_at))::float8 AS "sendSeconds"
  FROM (SELECT * FROM editions ORDER BY edition_date DESC LIMIT $1) e
  LEFT JOIN edition_delivery_counts c ON c.edition_id = e.id
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'skipped') AS skipped,
           count(*) FILTER (WHERE status IN ('queued', 'sending')) AS open,
           min(created_at) AS started_at,
           max(sent_at) AS last_sent_at
      FROM deliveries WHERE edition_id = e.id
  ) d ON c.edition_id IS NULL
 ORDER BY e.edition_date;

-- name: reports-by-day
-- $1 days, $2 time zone. Hard bounces and complaints recorded each day (suppressions still in force and lifted
-- ones alike), and the digests sent that day: the complaint rate's denominator.
WITH days AS (
  SELECT generate_series((now() AT TIME ZONE $2)::date - ($1::int - 1), (now() AT TIME ZONE $2)::date, interval '1 day')::date AS day
), reports AS (
  SELECT reason, (created_at AT TIME ZONE $2)::date AS day FROM suppressions
  UNION ALL
  SELECT reason, (suppressed_at AT TIME ZONE $2)::date FROM suppression_lifts
), sent AS (
  SELECT (sent_at AT TIME ZONE $2)::date AS day, count(*)::int AS sent
    FROM deliveries
   WHERE status = 'sent' AND sent_at >= now() - make_interval(days => $1::int + 1)
   GROUP BY 1
)
SELECT d.day::text AS day,
       (SELECT count(*) FROM reports r WHERE r.day = d.day AND r.reason = 'hard_bounce')::int AS bounces,
       (SELECT count(*) FROM reports r WHERE r.day = d.day AND r.reason = 'complaint')::int AS complaints,
       coalesce(s.sent, 0) AS sent
  FROM days d
  LEFT JOIN sent s ON s.day = d.day
 ORDER BY d.day;

-- name: paused-editions
SELECT id, edition_date AS "editionDate", paused_at AS "pausedAt", pause_reason AS reason, run_attempts AS attempts, run_refusals AS refusals
  FROM editions
 WHERE paused_at IS NOT NULL
 ORDER BY edition_date DESC;

-- name: readers-by-state
SELECT status, count(*)::int AS count FROM subscribers GROUP BY status;

-- name: deliveries-by-state
-- The editions whose rows are kept (DELIVERY_RETENTION_DAYS), each by delivery state: /metrics.
SELECT e.edition_date AS "editionDate", d.status, count(*)::int AS count
  FROM deliveries d
  JOIN editions e ON e.id = d.edition_id
 GROUP BY e.edition_date, d.status
 ORDER BY e.edition_date, d.status;

-- name: smtp-replies-by-class
-- The final SMTP replies of the kept deliveries by class: 2xx accepted, 4xx/5xx refused (their first digit).
SELECT CASE WHEN status = 'sent' THEN '2xx'
            WHEN coalesce(last_error, '') ~ '^[45]' THEN left(last_error, 1) || 'xx'
            ELSE 'none' END AS class,
       count(*)::int AS count
  FROM deliveries
 WHERE status IN ('sent', 'failed')
 GROUP BY 1
 ORDER BY 1;

-- name: send-latency
-- Kept deliveries that were sent: how long each took from its row's creation (the fan-out) to the SMTP server's
-- acceptance, counted into the buckets $1 (seconds, ascending) as a Prometheus histogram counts: cumulatively.
WITH latencies AS (
  SELECT extract(epoch FROM sent_at - created_at)::float8 AS seconds FROM deliveries WHERE status = 'sent' AND sent_at IS NOT NULL
)
SELECT (SELECT count(*) FROM latencies)::int AS count,
       (SELECT coalesce(sum(seconds), 0) FROM latencies)::float8 AS sum,
       ARRAY(SELECT (SELECT count(*) FROM latencies l WHERE l.seconds <= b.le)::int FROM unnest($1::float8[]) WITH ORDINALITY AS b (le, ord) ORDER BY b.ord) AS buckets;
