-- Delivery retention (src/db/retention.ts): old editions' rows summarised, then deleted in short batches.

-- name: editions-to-prune
-- Editions before the cut-off that still have delivery rows, none of them open. Both EXISTS probes are
-- index lookups on deliveries_once (edition_id, subscriber_id) and deliveries_open_idx.
SELECT e.id, e.edition_date::text AS "editionDate"
  FROM editions e
 WHERE e.edition_date < $1::date
   AND EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = e.id)
   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = e.id AND d.is_open)
 ORDER BY e.edition_date;

-- name: summarize-edition-deliveries
-- Once per edition, while every row is there: a rerun after a crash halfway through the deletes keeps the first.
INSERT INTO edition_delivery_counts (edition_id, sent, failed, skipped, total, started_at, last_sent_at)
SELECT $1, count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
       count(*) FILTER (WHERE status = 'skipped'), count(*), min(created_at), max(sent_at)
  FROM deliveries
 WHERE edition_id = $1
ON CONFLICT (edition_id) DO NOTHING;

-- name: delete-edition-deliveries-batch
-- At most $2 rows per statement and per transaction: row locks for milliseconds, never the table.
DELETE FROM deliveries
 WHERE id IN (SELECT id FROM deliveries WHERE edition_id = $1 LIMIT $2);

-- name: mark-edition-pruned
UPDATE edition_delivery_counts SET pruned_at = now() WHERE edition_id = $1 AND pruned_at IS NULL;
