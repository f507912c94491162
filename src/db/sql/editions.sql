-- Editions: one per calendar day, frozen when built (papers and rendered templates never change after).

-- name: lock-edition-builds
-- One build at a time (per database): the trending pick excludes papers already in an edition, so two
-- builds racing for different dates would otherwise pick the same papers.
SELECT pg_advisory_xact_lock(hashtext('paperboy:edition-build'));

-- name: find-edition-by-date
SELECT id, edition_date AS "editionDate", title, subject, papers, html_template AS "htmlTemplate",
       text_template AS "textTemplate", created_at AS "createdAt", fanned_out_at AS "fannedOutAt"
  FROM editions
 WHERE edition_date = $1;

-- name: find-edition-by-id
-- With what personal digests are assembled from (the senders' one read of an edition per process).
SELECT id, edition_date AS "editionDate", title, subject, papers, html_template AS "htmlTemplate",
       text_template AS "textTemplate", created_at AS "createdAt", fanned_out_at AS "fannedOutAt", pool, kit
  FROM editions
 WHERE id = $1;

-- name: insert-edition
INSERT INTO editions (edition_date, title, subject, papers, html_template, text_template, pool, kit)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (edition_date) DO NOTHING
RETURNING id;

-- name: insert-edition-papers
INSERT INTO edition_papers (edition_id, paper_id, rank, score)
SELECT $1, paper_id, rank, score
  FROM unnest($2::bigint[], $3::int[], $4::float8[]) AS p(paper_id, rank, score);

-- name: mark-edition-fanned-out
UPDATE editions SET fanned_out_at = now() WHERE id = $1 AND fanned_out_at IS NULL;

-- name: record-slot-run
-- An hourly run ($1, its UTC hour) fanned edition $2 out; older than a week is forgotten.
WITH forgotten AS (DELETE FROM digest_slot_runs WHERE slot_start < $1::timestamptz - interval '7 days')
INSERT INTO digest_slot_runs (slot_start, edition_id) VALUES ($1, $2)
ON CONFLICT (slot_start) DO UPDATE SET edition_id = EXCLUDED.edition_id, ran_at = now();

-- name: last-slot-run-before
SELECT max(slot_start) AS "slotStart" FROM digest_slot_runs WHERE slot_start < $1;

-- name: list-editions
SELECT edition_date AS "editionDate", title, jsonb_array_length(papers)::int AS "paperCount"
  FROM editions
 ORDER BY edition_date DESC
 LIMIT $1;

-- name: recent-editions-with-open-deliveries
-- Editions of the last few days that still have work; the recovery sweep re-enqueues them after a Redis loss.
SELECT e.id, e.edition_date AS "editionDate"
  FROM editions e
 WHERE e.edition_date >= $1::date - 3
   AND e.paused_at IS NULL -- a paused edition waits for `paperboy digest --resume`
   AND EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = e.id AND d.is_open);

-- name: list-edition-summaries
-- The archive list: each edition's date, size and its first few titles (rank order is the jsonb array's order).
SELECT e.edition_date AS "editionDate", jsonb_array_length(e.papers)::int AS "paperCount",
       ARRAY(SELECT p.paper->>'title' FROM jsonb_array_elements(e.papers) WITH ORDINALITY AS p(paper, n)
              ORDER BY p.n LIMIT $2::int) AS "topTitles"
  FROM editions e
 ORDER BY e.edition_date DESC
 LIMIT $1;

-- name: list-recent-editions
-- The feeds and the subscribe page's sample: the newest editions with their papers, without the templates.
SELECT edition_date AS "editionDate", title, papers, created_at AS "createdAt"
  FROM editions
 ORDER BY edition_date DESC
 LIMIT $1;

-- name: adjacent-edition-dates
-- The archive page's previous/next links: the nearest edition dates on either side of $1.
SELECT (SELECT max(edition_date) FROM editions WHERE edition_date < $1::date) AS "previous",
       (SELECT min(edition_date) FROM editions WHERE edition_date > $1::date) AS "next";

-- name: find-week-materials
-- What a weekly reader's digest chooses from: the pools and kits of the edition of $1 and the six days before,
-- newest first (editions built before personal digests have none and are left out).
SELECT edition_date AS "editionDate", pool, kit
  FROM editions
 WHERE edition_date > $1::date - 7 AND edition_date <= $1::date AND pool IS NOT NULL AND kit IS NOT NULL
 ORDER BY edition_date DESC;
