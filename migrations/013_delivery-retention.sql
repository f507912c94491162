-- Up Migration

-- What is kept of an edition's deliveries once the rows themselves are removed (DELIVERY_RETENTION_DAYS):
-- its counts, one small row per edition, so history and charts survive. Written from the rows, all final,
-- before the first of them is deleted; from then on it is the edition's record.
CREATE TABLE edition_delivery_counts (
  edition_id    bigint PRIMARY KEY REFERENCES editions (id) ON DELETE CASCADE,
  sent          integer NOT NULL,
  failed        integer NOT NULL,
  skipped       integer NOT NULL,
  total         integer NOT NULL,
  started_at    timestamptz,
  last_sent_at  timestamptz,
  summarized_at timestamptz NOT NULL DEFAULT now(),
  -- Set once every delivery row of the edition is gone.
  pruned_at     timestamptz
);

-- Down Migration
DROP TABLE edition_delivery_counts;
