-- Deliveries: one row per (edition, subscriber). Postgres is the truth; the queue only carries ids.

-- name: due-candidates-page
-- One keyset page of confirmed readers (after $1, at most $2) who may be due in this run, with their delivery
-- settings (null: none saved). $3: every reader is a candidate (a day's run); else those without settings when
-- $4 (the digest's own hour is this slot), and those whose UTC bucket is one of $5 (src/digest/due.ts decides).
SELECT s.id, rs.frequency, rs.weekday, rs.hour, rs.time_zone AS "timeZone"
  FROM subscribers s
  LEFT JOIN reader_settings rs ON rs.subscriber_id = s.id
 WHERE s.status = 'confirmed' AND s.id > $1
   AND ($3::boolean OR (rs.subscriber_id IS NULL AND $4::boolean) OR rs.utc_hour = ANY($5::int[]))
 ORDER BY s.id
 LIMIT $2;

-- name: create-deliveries
-- The due readers' delivery rows; rows that exist already (a rerun) are left alone. Returns the new rows.
-- The Message-ID names the reader by public id (migration 021): a row id would tell the list's size.
INSERT INTO deliveries (edition_id, subscriber_id, message_id)
SELECT $1, s.id, '<edition-' || $3::text || '.' || replace(s.public_id::text, '-', '') || '@' || $4::text || '>'
  FROM unnest($2::bigint[]) AS r(id)
  JOIN subscribers s ON s.id = r.id
ON CONFLICT (edition_id, subscriber_id) DO NOTHING
RETURNING id;

-- name: open-deliveries-page
-- Deliveries not final yet (uses deliveries_open_idx), a keyset page at a time.
SELECT id
  FROM deliveries
 WHERE edition_id = $1 AND is_open AND id > $2
 ORDER BY id
 LIMIT $3;

-- name: claim-deliveries
-- Takes the batch's deliveries for sending: queued ones, and 'sending' ones this same job held before a
-- crash (or whose claim went stale). Readers no longer confirmed (or suppressed meanwhile) are marked
-- skipped in the same statement. SKIP LOCKED: a concurrent job working on the same rows is not waited for.
WITH candidates AS (
  SELECT d.id, d.subscriber_id, s.public_id, d.message_id, s.email,
         (s.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = lower(s.email))) AS wanted
    FROM deliveries d
    JOIN subscribers s ON s.id = d.subscriber_id
    -- A paused edition (edition-pause.sql) sends nothing: its rows stay queued until it is resumed.
    JOIN editions e ON e.id = d.edition_id AND e.paused_at IS NULL
   WHERE d.id = ANY($1::bigint[])
     AND (d.status = 'queued'
          OR (d.status = 'sending' AND (d.claimed_by = $2 OR d.updated_at < now() - make_interval(secs => $3))))
   ORDER BY d.id
     FOR UPDATE OF d SKIP LOCKED
), skipped AS (
  UPDATE deliveries d
     SET status = 'skipped', last_error = 'subscriber no longer confirmed', claimed_by = NULL, updated_at = now()
    FROM candidates c
   WHERE d.id = c.id AND NOT c.wanted
  RETURNING d.id
), claimed AS (
  UPDATE deliveries d
     SET status = 'sending', attempts = d.attempts + 1, claimed_by = $2, updated_at = now()
    FROM candidates c
   WHERE d.id = c.id AND c.wanted
  RETURNING d.id, c.subscriber_id, c.public_id, c.email, c.message_id
)
SELECT id, subscriber_id AS "subscriberId", replace(public_id::text, '-', '') AS "publicId", email, message_id AS "messageId", (SELECT count(*) FROM skipped)::int AS skipped
  FROM claimed
 ORDER BY id;

-- name: record-sent
-- A reader is never sent a paper twice: a personal digest's papers ($4 delivery, $5 paper, flattened) go to
-- sent_papers; a shared digest ($6 false) carried its edition's papers, which the row itself records.
WITH sent AS (
  UPDATE deliveries d
     SET status = 'sent', smtp_response = r.response, sent_at = r.sent_at, last_error = NULL, claimed_by = NULL,
         personal = r.personal, updated_at = now()
    FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $6::boolean[]) AS r(id, response, sent_at, personal)
   WHERE d.id = r.id
  RETURNING d.id, d.subscriber_id
)
INSERT INTO sent_papers (subscriber_id, paper_id)
SELECT sent.subscriber_id, p.paper_id
  FROM sent
  JOIN unnest($4::bigint[], $5::bigint[]) AS p(delivery_id, paper_id) ON p.delivery_id = sent.id
ON CONFLICT DO NOTHING;

-- name: record-skipped
-- Nothing to send this reader today (only their topics, and none trended): no email, and the reason kept.
UPDATE deliveries d
   SET status = 'skipped', last_error = r.error, claimed_by = NULL, updated_at = now()
  FROM unnest($1::bigint[], $2::text[]) AS r(id, error)
 WHERE d.id = r.id AND d.status IN ('queued', 'sending');

-- name: record-deferred
-- A temporary failure (4xx, connection): back to queued for the job's next attempt.
UPDATE deliveries d
   SET status = 'queued', last_error = r.error, claimed_by = NULL, updated_at = now()
  FROM unnest($1::bigint[], $2::text[]) AS r(id, error)
 WHERE d.id = r.id AND d.status = 'sending';

-- name: record-failed
-- Failed for good, nobody suppressed: out of attempts on temporary failures, or refused for a reason that is
-- not the reader's mailbox (policy, content, at MAIL FROM or DATA); last_error keeps the reply.
UPDATE deliveries d
   SET status = 'failed', last_error = r.error, claimed_by = NULL, updated_at = now()
  FROM unnest($1::bigint[], $2::text[]) AS r(id, error)
 WHERE d.id = r.id AND d.status IN ('queued', 'sending');

-- name: record-bounced
-- The recipient refused at RCPT for a mailbox reason (5.1.1 and kin, src/mail/refusals.ts): the delivery
-- failed and the address is never mailed again.
WITH bounced AS (
  UPDATE deliveries d
     SET status = 'failed', last_error = r.error, claimed_by = NULL, updated_at = now()
    FROM unnest($1::bigint[], $2::text[]) AS r(id, error)
   WHERE d.id = r.id
  RETURNING d.subscriber_id, r.error
), listed AS (
  INSERT INTO suppressions (email, reason, detail)
  SELECT lower(s.email), 'hard_bounce', b.error
    FROM bounced b
    JOIN subscribers s ON s.id = b.subscriber_id
  ON CONFLICT (email) DO NOTHING
), suppressed AS (
  UPDATE subscribers s
     SET status = 'suppressed', suppressed_at = now(), updated_at = now()
    FROM bounced b
   WHERE s.id = b.subscriber_id AND s.status <> 'suppressed'
  RETURNING s.id
)
INSERT INTO subscriber_events (subscriber_id, status, reason)
SELECT id, 'suppressed', 'hard bounce' FROM suppressed;

-- name: edition-progress
-- The rows while they are kept; an edition past DELIVERY_RETENTION_DAYS answers from its summary.
SELECT sent, failed, skipped, 0 AS open, total, started_at, last_sent_at
  FROM edition_delivery_counts
 WHERE edition_id = $1
UNION ALL
SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
       count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS open,
       count(*)::int AS total,
       min(created_at) AS started_at,
       max(sent_at) AS last_sent_at
  FROM deliveries
 WHERE edition_id = $1
HAVING NOT EXISTS (SELECT 1 FROM edition_delivery_counts WHERE edition_id = $1);
