-- Up Migration

-- The circuit breaker (src/digest/send-deliveries.ts): an edition whose sends are refused too often is paused,
-- and nothing more goes out until `paperboy digest --resume`. A run is the sending since the edition was built
-- or last resumed: its final answers (accepted or refused for good) and how many of them were refusals.
ALTER TABLE editions
  ADD COLUMN paused_at      timestamptz,
  -- The most common refusal of the run that paused it, for the log line and `--wait`.
  ADD COLUMN pause_reason   text,
  ADD COLUMN run_started_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN run_attempts   integer NOT NULL DEFAULT 0,
  ADD COLUMN run_refusals   integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE editions
  DROP COLUMN paused_at,
  DROP COLUMN pause_reason,
  DROP COLUMN run_started_at,
  DROP COLUMN run_attempts,
  DROP COLUMN run_refusals;
