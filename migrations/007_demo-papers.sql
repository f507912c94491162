-- Up Migration

-- Papers loaded by `paperboy demo` (the capture in fixtures/): they never enter an edition once a real paper
-- exists, never in production, and `paperboy demo --remove` deletes them. A real ingest of the same paper
-- clears the mark. Earlier demo loads are recognised by their made-up ids.
ALTER TABLE papers ADD COLUMN demo boolean NOT NULL DEFAULT false;
UPDATE papers SET demo = true WHERE external_id LIKE 'synthetic-%';

-- Down Migration
ALTER TABLE papers DROP COLUMN demo;
