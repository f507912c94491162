-- Up Migration

-- The per-inbox confirmation throttle (migration 010) as one row per inbox, claimed by INSERT … ON CONFLICT in
-- request-subscriptions (src/db/sql/subscribers.sql). Two things the expression index could not give:
-- - API processes claiming +tag variants of one inbox at the same moment queue on this row, so only one of them
--   sends (each statement's snapshot saw neither the other's new subscriber nor its confirmation_sent_at);
-- - the claim is a primary-key probe whatever the plan: the prepared statement's generic plan, made while the
--   table was small, had hashed subscriber_mailbox() of every recent subscriber on every batch (BENCHMARKS.md, API).
-- The subscriber rows stay the truth: a slot is held while its holder's own confirmation_sent_at is recent
-- (or not yet visible), so releasing a claim (NULL) or an older confirmation frees it.
CREATE TABLE mailbox_confirmation_slots (
  mailbox    text PRIMARY KEY,     -- subscriber_mailbox(email)
  claimed_by text NOT NULL,        -- lower(email) of the address whose confirmation holds it
  claimed_at timestamptz NOT NULL
);

INSERT INTO mailbox_confirmation_slots (mailbox, claimed_by, claimed_at)
SELECT DISTINCT ON (subscriber_mailbox(email)) subscriber_mailbox(email), lower(email), confirmation_sent_at
  FROM subscribers
 WHERE confirmation_sent_at IS NOT NULL
 ORDER BY subscriber_mailbox(email), confirmation_sent_at DESC;

-- Read by nothing now; it cost a regular expression on every insert.
DROP INDEX subscribers_mailbox_confirmation_idx;

-- Down Migration
CREATE INDEX subscribers_mailbox_confirmation_idx ON subscribers (subscriber_mailbox(email), confirmation_sent_at);
DROP TABLE mailbox_confirmation_slots;
