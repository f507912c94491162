-- The sending circuit breaker (src/db/edition-pause.ts): an edition's run tallies its final SMTP answers, and
-- pauses itself once too many were refusals. Paused, its deliveries are not claimed (deliveries.sql
-- claim-deliveries) nor recovered (editions.sql recent-editions-with-open-deliveries).

-- name: tally-send-outcomes
-- $1 edition, $2 final answers, $3 of them refusals, $4 minimum sample, $5 refusal rate that pauses.
-- One UPDATE (a row is updated once per statement): the tally and the decision are atomic across workers.
-- No row: the edition is paused already.
UPDATE editions
   SET run_attempts = run_attempts + $2,
       run_refusals = run_refusals + $3,
       paused_at = CASE
         WHEN run_attempts + $2 >= $4 AND (run_refusals + $3)::float8 > $5::float8 * (run_attempts + $2) THEN now()
       END
 WHERE id = $1 AND paused_at IS NULL
RETURNING paused_at IS NOT NULL AS "justPaused", run_attempts AS attempts, run_refusals AS refusals;

-- name: note-pause-reason
-- The most common refusal of the run (deliveries failed since it started), kept on the paused edition.
UPDATE editions e
   SET pause_reason = (
         SELECT d.last_error
           FROM deliveries d
          WHERE d.edition_id = e.id AND d.status = 'failed' AND d.updated_at >= e.run_started_at AND d.last_error IS NOT NULL
          GROUP BY d.last_error
          ORDER BY count(*) DESC, d.last_error
          LIMIT 1)
 WHERE e.id = $1 AND e.paused_at IS NOT NULL
RETURNING e.pause_reason AS "reason", e.run_attempts AS attempts, e.run_refusals AS refusals;

-- name: edition-pause
SELECT paused_at AS "pausedAt", pause_reason AS "reason", run_attempts AS attempts, run_refusals AS refusals
  FROM editions
 WHERE id = $1;

-- name: resume-edition
-- $1 edition date. A new run starts, and the deliveries that failed (refused while the relay was broken)
-- go back to the queue for readers still confirmed and unsuppressed; a suppressed one stays failed.
WITH resumed AS (
  UPDATE editions
     SET paused_at = NULL, pause_reason = NULL, run_started_at = now(), run_attempts = 0, run_refusals = 0
   WHERE edition_date = $1 AND paused_at IS NOT NULL
  RETURNING id
), requeued AS (
  UPDATE deliveries d
     SET status = 'queued', claimed_by = NULL, updated_at = now()
    FROM resumed r, subscribers s
   WHERE d.edition_id = r.id
     AND d.status = 'failed'
     AND s.id = d.subscriber_id
     AND s.status = 'confirmed'
     AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = lower(s.email))
  RETURNING d.id
)
SELECT (SELECT id FROM resumed) AS "editionId", (SELECT count(*) FROM requeued)::int AS requeued;
