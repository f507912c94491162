-- Make the claim ('queued' → 'sending') a HOT update: no index may depend on a column it changes.
-- deliveries_open_idx was partial on `status`, so every claim and every 'sent' wrote a new entry into all four
-- indexes (BENCHMARKS.md, "Where the time goes as the table grows"). It now depends on `is_open`, which a claim
-- leaves unchanged; only the final update ('sent', 'failed', 'skipped') leaves the open index and writes the
-- others. fillfactor 50 keeps room on each page for the claimed version of every row inserted there (a claim
-- updates a whole page's rows in one statement, before any old version can be pruned).
-- The ADD COLUMN rewrites the table once, under an exclusive lock: on a large list run it between editions.
ALTER TABLE deliveries SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02);

ALTER TABLE deliveries ADD COLUMN is_open boolean GENERATED ALWAYS AS (status IN ('queued', 'sending')) STORED;

DROP INDEX deliveries_open_idx;
CREATE INDEX deliveries_open_idx ON deliveries (edition_id, id) WHERE is_open;
