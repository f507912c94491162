-- Subscription lifecycle. Every state change writes its subscriber_events row in the same statement
-- (one statement = one transaction), and every transition is guarded by the current status, so a
-- suppressed address never changes back and an unsubscribed one never receives a digest.

-- name: request-subscription
-- $1 email_input, $2 email (normalised), $3 source_ip_hash, $4 resend minutes, $5 reason.
-- One statement whatever the address's state, and it always writes (last_requested_at), so the answer
-- takes the same time for new, pending, confirmed, unsubscribed and suppressed addresses.
-- New address: inserted as pending with the send slot claimed. Pending: the slot is claimed again only
-- when the last confirmation is older than $4 minutes. Unsubscribed: back to pending (it starts over
-- with a confirmation). Confirmed or suppressed: nothing but last_requested_at changes. The FOR UPDATE
-- lock makes the check-and-set atomic: two parallel requests for one address cannot both claim the slot.
WITH blocked AS (
  SELECT EXISTS (SELECT 1 FROM suppressions WHERE email = lower($2)) AS suppressed
),
inserted AS (
  INSERT INTO subscribers (email_input, email, source_ip_hash, confirmation_sent_at, last_requested_at)
  SELECT $1, $2, $3, now(), now() FROM blocked WHERE NOT blocked.suppressed
  ON CONFLICT (lower(email)) DO NOTHING
  RETURNING id
),
existing AS (
  SELECT s.id,
         s.status,
         s.status = 'unsubscribed' AND NOT b.suppressed AS reopen,
         s.status IN ('pending', 'unsubscribed') AND NOT b.suppressed
           AND (s.confirmation_sent_at IS NULL OR s.confirmation_sent_at <= now() - make_interval(mins => $4::int)) AS send
    FROM subscribers s, blocked b
   WHERE lower(s.email) = lower($2)
     FOR UPDATE OF s
),
touched AS (
  UPDATE subscribers s
     SET last_requested_at = now(),
         status = CASE WHEN e.reopen THEN 'pending'::subscriber_status ELSE s.status END,
         confirmation_sent_at = CASE WHEN e.send THEN now() ELSE s.confirmation_sent_at END,
         source_ip_hash = CASE WHEN e.reopen OR e.send THEN $3 ELSE s.source_ip_hash END,
         updated_at = CASE WHEN e.reopen OR e.send THEN now() ELSE s.updated_at END
    FROM existing e
   WHERE s.id = e.id
  RETURNING s.id, e.reopen, e.send
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, 'pending'::subscriber_status, $5 FROM inserted
  UNION ALL
  SELECT id, 'pending'::subscriber_status, $5 || ' (after unsubscribing)' FROM touched WHERE reopen
)
SELECT id AS subscriber_id, true AS send_confirmation, extract(epoch FROM now()) * 1000 AS claimed_at FROM inserted
UNION ALL
SELECT id, send, extract(epoch FROM now()) * 1000 FROM touched;

-- name: release-confirmation-claim
-- The confirmation could not be queued: free the slot so the next request sends it.
UPDATE subscribers
   SET confirmation_sent_at = NULL
 WHERE id = $1 AND status = 'pending';

-- name: find-subscriber
SELECT s.id,
       s.email,
       s.email_input,
       s.status,
       s.confirmed_at,
       s.unsubscribed_at,
       EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email)) AS suppressed
  FROM subscribers s
 WHERE s.id = $1;

-- name: confirm-subscriber
-- $1 id, $2 reason. Only a pending, unsuppressed subscriber becomes confirmed.
WITH current AS (
  SELECT id, status FROM subscribers WHERE id = $1 FOR UPDATE
),
changed AS (
  UPDATE subscribers s
     SET status = 'confirmed', confirmed_at = now(), updated_at = now()
    FROM current c
   WHERE s.id = c.id
     AND c.status = 'pending'
     AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email))
  RETURNING s.id
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, 'confirmed'::subscriber_status, $2 FROM changed
)
SELECT c.status AS previous_status, EXISTS (SELECT 1 FROM changed) AS changed FROM current c;

-- name: unsubscribe-subscriber
-- $1 id, $2 reason. Pending or confirmed become unsubscribed; suppressed stays suppressed (it gets nothing either way).
WITH current AS (
  SELECT id, status FROM subscribers WHERE id = $1 FOR UPDATE
),
changed AS (
  UPDATE subscribers s
     SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
    FROM current c
   WHERE s.id = c.id
     AND c.status IN ('pending', 'confirmed')
  RETURNING s.id
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, 'unsubscribed'::subscriber_status, $2 FROM changed
)
SELECT c.status AS previous_status, EXISTS (SELECT 1 FROM changed) AS changed FROM current c;

-- name: resubscribe-subscriber
-- $1 id, $2 window in days, $3 reason. Undoes an unsubscribe without a new confirmation, but only for
-- someone who had confirmed before, recently, and is not suppressed: the unsubscribe token proves the inbox.
WITH current AS (
  SELECT id, status FROM subscribers WHERE id = $1 FOR UPDATE
),
changed AS (
  UPDATE subscribers s
     SET status = 'confirmed', updated_at = now()
    FROM current c
   WHERE s.id = c.id
     AND c.status = 'unsubscribed'
     AND s.confirmed_at IS NOT NULL
     AND s.unsubscribed_at > now() - make_interval(days => $2::int)
     AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email))
  RETURNING s.id
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, 'confirmed'::subscriber_status, $3 FROM changed
)
SELECT c.status AS previous_status, EXISTS (SELECT 1 FROM changed) AS changed FROM current c;

-- name: find-confirmation-recipient
-- What the confirmation worker needs; it sends only to a pending, unsuppressed subscriber.
SELECT s.id,
       s.email,
       s.status,
       EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email)) AS suppressed
  FROM subscribers s
 WHERE s.id = $1;
