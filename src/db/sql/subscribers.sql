-- Subscription lifecycle. Every state change writes its subscriber_events row in the same statement
-- (one statement = one transaction), and every transition is guarded by the current status, so a
-- suppressed address never changes back and an unsubscribed one never receives a digest.

-- name: request-subscriptions
-- A batch of subscribe requests (all that reached one API process in one event-loop tick), one row per
-- request in $1..$4 and $6: email_input, email (normalised), source_ip_hash, reason, erased key; $5 resend minutes.
-- Returns one row per request, in order (ord): the subscriber and whether a confirmation is due.
-- One statement whatever each address's state, and it always writes (last_requested_at of the subscriber,
-- or of the suppression for a listed address without one), so the answer takes the same time for new,
-- pending, confirmed, unsubscribed and suppressed addresses (tests/subscription-batch.test.ts checks that
-- every state's transaction is assigned a transaction id, i.e. commits a write).
-- New address: inserted as pending with the send slot claimed. Pending: the slot is claimed again only
-- when the last confirmation is older than $5 minutes. Unsubscribed: back to pending (it starts over
-- with a confirmation). Confirmed or suppressed: nothing but last_requested_at changes. The FOR UPDATE
-- lock makes the check-and-set atomic: two parallel requests for one address cannot both claim the slot.
-- An address asked for twice in one batch is handled once (ON CONFLICT cannot touch a row twice in one
-- statement): its first request decides what is stored and alone may claim the slot.
-- Locks are taken in one order, so concurrent batches from several API processes cannot deadlock: the
-- inboxes' slots first (in mailbox order; `inserted` and `existing` read `mailbox_free`, which makes the claims
-- finish before either writes or locks a subscriber), then every insert (in key order, lower(email)), then every
-- existing row (in key order); `existing` reads `inserted`, which makes the inserts finish before its first lock.
WITH requests AS (
  SELECT r.ord, r.input, r.email, r.ip_hash, r.reason, lower(r.email) AS key, r.erased_key
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[]) WITH ORDINALITY AS r (input, email, ip_hash, reason, erased_key, ord)
),
-- $6: each address's erasedAddressKey. An erased reader's suppression is kept under it (migration 026), and the
-- address is then as suppressed as any other: nothing stored, nothing sent, the same answer.
firsts AS (
  SELECT DISTINCT ON (q.key) q.key, q.ord, q.input, q.email, q.ip_hash, q.reason, q.erased_key,
         EXISTS (SELECT 1 FROM suppressions p WHERE p.email IN (q.key, q.erased_key)) AS suppressed
    FROM requests q
   ORDER BY q.key, q.ord
),
-- Per-mailbox throttle (+tag removed, migration 010): one confirmation per inbox per $5 minutes, whatever
-- variants are typed and however many API processes receive them. The batch's first request for an inbox that
-- is due a confirmation of its own (as this statement's snapshot shows its row; `existing` checks again under
-- the row lock) claims the inbox's slot (migration 020), in mailbox order. The slot is free when its claim is
-- older than $5 minutes or its holder's own confirmation no longer counts (released, or older); a holder this
-- snapshot cannot see yet was claimed by a concurrent batch, which then holds the slot: ON CONFLICT waits for
-- that batch and reads its committed row. Only the requests that got the slot may send.
-- The LATERAL … LIMIT 1 probe and ON CONFLICT use their unique indexes in any plan, the generic plan of this
-- prepared statement made while the table was small included (BENCHMARKS.md, API).
due AS (
  SELECT DISTINCT ON (subscriber_mailbox(f.key)) subscriber_mailbox(f.key) AS mailbox, f.key
    FROM firsts f
    LEFT JOIN LATERAL (SELECT s.status, s.confirmation_sent_at FROM subscribers s WHERE lower(s.email) = f.key LIMIT 1) s ON true
   WHERE NOT f.suppressed
     AND (s.status IS NULL
          OR (s.status IN ('pending', 'unsubscribed')
              AND (s.confirmation_sent_at IS NULL OR s.confirmation_sent_at <= now() - make_interval(mins => $5::int))))
   ORDER BY subscriber_mailbox(f.key), f.ord
),
mailbox_free AS (
  INSERT INTO mailbox_confirmation_slots AS slot (mailbox, claimed_by, claimed_at)
  SELECT d.mailbox, d.key, now() FROM due d ORDER BY d.mailbox
  ON CONFLICT (mailbox) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
   WHERE slot.claimed_at <= now() - make_interval(mins => $5::int)
      -- NULL when the holder is not visible here. LIMIT 1 keeps it a probe: an EXISTS became a hashed scan.
      OR coalesce((SELECT s.confirmation_sent_at IS NULL OR s.confirmation_sent_at <= now() - make_interval(mins => $5::int)
                     FROM subscribers s WHERE lower(s.email) = slot.claimed_by LIMIT 1), false)
  RETURNING slot.claimed_by AS key
),
inserted AS (
  INSERT INTO subscribers (email_input, email, source_ip_hash, confirmation_sent_at, last_requested_at)
  SELECT f.input, f.email, f.ip_hash, CASE WHEN f.key IN (SELECT m.key FROM mailbox_free m) THEN now() END, now()
    FROM firsts f WHERE NOT f.suppressed ORDER BY f.key
  ON CONFLICT (lower(email)) DO NOTHING
  RETURNING id, lower(email) AS key, confirmation_sent_at IS NOT NULL AS send
),
existing AS (
  SELECT s.id,
         f.key,
         f.ip_hash,
         f.reason,
         s.status = 'unsubscribed' AND NOT f.suppressed AS reopen,
         s.status IN ('pending', 'unsubscribed') AND NOT f.suppressed
           AND (s.confirmation_sent_at IS NULL OR s.confirmation_sent_at <= now() - make_interval(mins => $5::int))
           AND f.key IN (SELECT m.key FROM mailbox_free m) AS send
    FROM subscribers s
    JOIN firsts f ON lower(s.email) = f.key
   WHERE f.key NOT IN (SELECT i.key FROM inserted i)
   ORDER BY f.key
     FOR UPDATE OF s
),
-- An address on the suppressions list with no subscriber row has nothing above to write: its request is
-- recorded on the suppression instead (last_requested_at, migration 019), so it too commits a write.
-- Locked in key order after the subscriber rows, like them.
listed AS (
  SELECT p.email
    FROM suppressions p
    JOIN firsts f ON p.email IN (f.key, f.erased_key)
   WHERE f.suppressed AND f.key NOT IN (SELECT e.key FROM existing e)
   ORDER BY p.email
     FOR UPDATE OF p
),
noted AS (
  UPDATE suppressions p SET last_requested_at = now() FROM listed l WHERE p.email = l.email
),
touched AS (
  UPDATE subscribers s
     SET last_requested_at = now(),
         status = CASE WHEN e.reopen THEN 'pending'::subscriber_status ELSE s.status END,
         confirmation_sent_at = CASE WHEN e.send THEN now() ELSE s.confirmation_sent_at END,
         source_ip_hash = CASE WHEN e.reopen OR e.send THEN e.ip_hash ELSE s.source_ip_hash END,
         updated_at = CASE WHEN e.reopen OR e.send THEN now() ELSE s.updated_at END
    FROM existing e
   WHERE s.id = e.id
  RETURNING s.id, e.key, e.reason, e.reopen, e.send
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT i.id, 'pending'::subscriber_status, f.reason FROM inserted i JOIN firsts f ON f.key = i.key
  UNION ALL
  SELECT t.id, 'pending'::subscriber_status, t.reason || ' (after unsubscribing)' FROM touched t WHERE t.reopen
),
outcomes AS (
  SELECT i.key, i.id, i.send FROM inserted i
  UNION ALL
  SELECT t.key, t.id, t.send FROM touched t
)
-- An address whose row another transaction was inserting meanwhile has no outcome here: that one claimed it.
SELECT q.ord,
       o.id AS subscriber_id,
       coalesce(o.send AND q.ord = f.ord, false) AS send_confirmation,
       extract(epoch FROM now()) * 1000 AS claimed_at
  FROM requests q
  JOIN firsts f ON f.key = q.key
  LEFT JOIN outcomes o ON o.key = q.key
 ORDER BY q.ord;

-- name: release-confirmation-claims
-- The confirmations could not be queued: free the slots so the next request sends them.
UPDATE subscribers
   SET confirmation_sent_at = NULL
 WHERE id = ANY ($1::bigint[]) AND status = 'pending';

-- name: subscriber-id-of-public-id
-- $1 the public id a link or an address of ours names (migration 021): the row id, for everything else here.
SELECT id FROM subscribers WHERE public_id = $1::uuid;

-- name: find-subscriber
-- $1 id, $2 resubscribe window in days.
SELECT s.id,
       s.email,
       s.email_input AS "emailInput",
       s.status,
       EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email)) AS suppressed,
       subscriber_can_resubscribe(s, $2::int) AS "canResubscribe"
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
     AND subscriber_can_resubscribe(s, $2::int)
  RETURNING s.id
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason)
  SELECT id, 'confirmed'::subscriber_status, $3 FROM changed
)
SELECT c.status AS previous_status, EXISTS (SELECT 1 FROM changed) AS changed FROM current c;

-- name: find-confirmation-recipients
-- What the confirmation worker needs for a job's claims ($1 subscriber ids, $2 their claimedAt): it sends only
-- to a pending, unsuppressed subscriber, and only once per claim (done: a try of this job already sent it).
SELECT s.id,
       replace(s.public_id::text, '-', '') AS "publicId",
       s.email,
       s.status,
       EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email)) AS suppressed,
       coalesce(s.confirmation_done_claim >= c.claimed_at, false) AS done
  FROM unnest($1::bigint[], $2::bigint[]) AS c (subscriber_id, claimed_at)
  JOIN subscribers s ON s.id = c.subscriber_id;

-- name: mark-confirmation-done
-- The SMTP server accepted (or refused for good) the email of claim $2: a retried job must not send it again.
UPDATE subscribers
   SET confirmation_done_claim = greatest(confirmation_done_claim, $2::bigint)
 WHERE id = $1;

-- name: mark-confirmation-bounced
-- The SMTP server refused the recipient of claim $2 at RCPT for a mailbox reason ($3 its answer): the claim is done, and the
-- address is suppressed as a digest hard bounce suppresses it (deliveries.sql record-bounced), so a later
-- subscribe request for it sends nothing: no mail to a mailbox that does not exist, however often it is typed.
WITH target AS (
  SELECT id, email, status FROM subscribers WHERE id = $1 FOR UPDATE
),
done AS (
  UPDATE subscribers s
     SET confirmation_done_claim = greatest(s.confirmation_done_claim, $2::bigint),
         status = 'suppressed',
         suppressed_at = coalesce(s.suppressed_at, now()),
         updated_at = now()
    FROM target t
   WHERE s.id = t.id
),
listed AS (
  INSERT INTO suppressions (email, reason, detail)
  SELECT lower(t.email), 'hard_bounce', $3 FROM target t
  ON CONFLICT (email) DO NOTHING
)
INSERT INTO subscriber_events (subscriber_id, status, reason)
SELECT t.id, 'suppressed', 'confirmation hard bounce' FROM target t WHERE t.status <> 'suppressed';
