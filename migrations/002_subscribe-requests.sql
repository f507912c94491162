-- Up Migration

-- When someone last asked to subscribe this address. Every subscribe request writes it, whatever state
-- the address is in, so a known address costs the same commit (and WAL flush) as a new one: the answer's
-- timing does not tell who is subscribed.
ALTER TABLE subscribers ADD COLUMN last_requested_at timestamptz;

-- Down Migration
ALTER TABLE subscribers DROP COLUMN last_requested_at;
