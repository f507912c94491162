-- Up Migration

-- Which job holds a delivery while it is 'sending'. A job retried after a crash (same BullMQ job id)
-- takes its own rows back at once; any other job waits for the claim to go stale, so two live jobs
-- never send the same delivery.
ALTER TABLE deliveries ADD COLUMN claimed_by text;

-- Down Migration
ALTER TABLE deliveries DROP COLUMN claimed_by;
