-- Suppressions: addresses never mailed again. Written by SMTP refusals (deliveries.sql record-bounced,
-- subscribers.sql mark-confirmation-bounced), bounce and complaint reports (inbound mail, provider webhooks),
-- and lifted only by hand (`paperboy suppressions remove`).

-- name: list-suppressions
-- $1 reason or null for all.
SELECT x.email, x.reason, x.detail, x.created_at AS "createdAt", s.status AS "subscriberStatus"
  FROM suppressions x
  LEFT JOIN subscribers s ON lower(s.email) = x.email
 WHERE $1::text IS NULL OR x.reason = $1
 ORDER BY x.created_at, x.email;

-- name: find-suppression
SELECT email, reason, detail, created_at AS "createdAt" FROM suppressions WHERE email = lower($1);

-- name: lift-suppression
-- $1 email, $2 forced, $3 event reason. The row goes into suppression_lifts; a subscriber who had confirmed is
-- confirmed again (the suppression was a mistake), one who never did becomes unsubscribed (a new subscribe
-- request starts over with a confirmation). Either way a subscriber_events row says so.
WITH lifted AS (
  DELETE FROM suppressions WHERE email = lower($1) RETURNING email, reason, detail, created_at
), kept AS (
  INSERT INTO suppression_lifts (email, reason, detail, suppressed_at, forced)
  SELECT email, reason, detail, created_at, $2 FROM lifted
), restored AS (
  UPDATE subscribers s
     SET status = CASE WHEN s.confirmed_at IS NOT NULL THEN 'confirmed'::subscriber_status ELSE 'unsubscribed'::subscriber_status END,
         suppressed_at = NULL,
         updated_at = now()
    FROM lifted l
   WHERE lower(s.email) = l.email AND s.status = 'suppressed'
  RETURNING s.id, s.status, l.reason
), events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, status, $3 || ' (was ' || reason || ')' FROM restored
)
SELECT l.reason, (SELECT status FROM restored LIMIT 1) AS "subscriberStatus" FROM lifted l;

-- name: suppress-subscriber
-- $1 subscriber id, $2 reason ('hard_bounce' or 'complaint'), $3 detail, $4 event reason. From a bounce or
-- complaint report that names our own delivery (VERP) or a provider event: the subscriber is suppressed and
-- listed. A complaint outranks a hard bounce already listed (it takes --force to lift).
WITH target AS (
  SELECT id, email, status FROM subscribers WHERE id = $1 FOR UPDATE
), listed AS (
  INSERT INTO suppressions (email, reason, detail)
  SELECT lower(t.email), $2, $3 FROM target t
  ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, detail = excluded.detail
   WHERE excluded.reason = 'complaint' AND suppressions.reason <> 'complaint'
  RETURNING email
), changed AS (
  UPDATE subscribers s
     SET status = 'suppressed', suppressed_at = now(), updated_at = now()
    FROM target t
   WHERE s.id = t.id AND t.status <> 'suppressed'
  RETURNING s.id
), events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, 'suppressed', $4 FROM changed
)
SELECT (SELECT count(*) FROM changed)::int + (SELECT count(*) FROM listed)::int > 0 AS changed FROM target;

-- name: subscriber-of-delivery
SELECT subscriber_id AS "subscriberId" FROM deliveries WHERE id = $1;

-- name: subscriber-by-email
SELECT id FROM subscribers WHERE lower(email) = lower($1);

-- name: remember-webhook-event
-- A provider's event id, first time only: no row back means it was handled before (a replay).
INSERT INTO webhook_events (provider, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id;

-- name: forget-webhook-event
-- The event could not be acted on (Postgres failed halfway): let the provider's retry try again.
DELETE FROM webhook_events WHERE provider = $1 AND event_id = $2;
