-- Up Migration

-- When someone last asked to subscribe an address that is only on the suppressions list (no subscriber row):
-- request-subscriptions writes it, so such a request commits a write as every other state does (one WAL
-- flush each: a read-only commit would answer measurably faster and tell that the address is known).
ALTER TABLE suppressions ADD COLUMN last_requested_at timestamptz;

-- Down Migration
ALTER TABLE suppressions DROP COLUMN last_requested_at;
