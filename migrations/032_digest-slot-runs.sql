-- Up Migration

-- The hourly runs that fanned an edition out, by the UTC hour they served. A run finds the hours since the last
-- one that no run served (the worker was down, a deploy, Redis away) and sends their readers too: late rather
-- than never. Kept a week (pruned by the digest job).
CREATE TABLE digest_slot_runs (
  slot_start timestamptz PRIMARY KEY,
  edition_id bigint REFERENCES editions (id) ON DELETE SET NULL,
  ran_at     timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE digest_slot_runs;
