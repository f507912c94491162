-- The operator's view of readers (src/db/readers.ts) and a reader's own data (src/db/reader-data.ts): search,
-- one reader's page, and the export and erasure that cover every table referencing subscribers.

-- name: search-readers
-- $1 the address typed (lower-cased), $2 it as a LIKE prefix (wildcards escaped). Exact match first.
SELECT id, email, status, created_at AS "createdAt"
  FROM subscribers
 WHERE lower(email) = $1 OR lower(email) LIKE $2
 ORDER BY lower(email) = $1 DESC, lower(email)
 LIMIT 50;

-- name: find-reader
SELECT s.id, s.email, s.email_input AS "emailInput", s.status, s.created_at AS "createdAt",
       s.confirmed_at AS "confirmedAt", s.unsubscribed_at AS "unsubscribedAt", s.suppressed_at AS "suppressedAt",
       x.reason AS "suppressionReason", x.detail AS "suppressionDetail"
  FROM subscribers s
  LEFT JOIN suppressions x ON x.email = lower(s.email)
 WHERE s.id = $1;

-- name: reader-events
SELECT status, reason, occurred_at AS "occurredAt" FROM subscriber_events WHERE subscriber_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 200;

-- name: reader-deliveries
SELECT e.edition_date AS "editionDate", d.status, d.attempts, d.last_error AS "lastError", d.sent_at AS "sentAt"
  FROM deliveries d
  JOIN editions e ON e.id = d.edition_id
 WHERE d.subscriber_id = $1
 ORDER BY e.edition_date DESC
 LIMIT 200;

-- name: tables-referencing-subscribers
-- Every single-column foreign key to subscribers, found in the catalog: a table another feature adds (ratings,
-- settings) is exported and erased without anyone listing it here.
SELECT n.nspname AS schema, c.relname AS "table", a.attname AS "column"
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
 WHERE k.contype = 'f' AND k.confrelid = 'subscribers'::regclass AND cardinality(k.conkey) = 1
 ORDER BY c.relname, a.attname;

-- name: reader-row
SELECT to_jsonb(s) AS row, lower(s.email) AS key FROM subscribers s WHERE s.id = $1;

-- name: reader-id-by-email
SELECT id FROM subscribers WHERE lower(email) = lower($1);

-- name: address-rows
-- What is kept by address rather than by id: the suppression, its lifted predecessors, the inbox's confirmation
-- slot this address holds (migration 020). $1 lower-cased address.
SELECT (SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) FROM suppressions x WHERE x.email = $1) AS suppressions,
       (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.id), '[]'::jsonb) FROM suppression_lifts l WHERE l.email = $1) AS "suppressionLifts",
       (SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]'::jsonb) FROM mailbox_confirmation_slots m WHERE m.claimed_by = $1) AS "confirmationSlots";

-- name: keep-erased-suppression
-- $1 lower-cased address, $2 its erasedAddressKey. A suppression stays, under the key alone: what it said (the
-- SMTP reply, the report) may quote the address and goes.
WITH gone AS (
  DELETE FROM suppressions WHERE email = $1 RETURNING reason, created_at
)
INSERT INTO suppressions (email, reason, detail, created_at, erased_at)
SELECT $2, reason, NULL, created_at, now() FROM gone
ON CONFLICT (email) DO NOTHING
RETURNING reason;

-- name: forget-address
-- $1 lower-cased address: its lifted suppressions, the confirmation slot it holds, any development-outbox mail to it.
WITH lifts AS (
  DELETE FROM suppression_lifts WHERE email = $1
), slots AS (
  DELETE FROM mailbox_confirmation_slots WHERE claimed_by = $1
)
DELETE FROM outbox_messages o WHERE EXISTS (SELECT 1 FROM unnest(o.envelope_to) t WHERE lower(t) = $1);

-- name: delete-reader
DELETE FROM subscribers WHERE id = $1;
