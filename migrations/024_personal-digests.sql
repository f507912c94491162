-- Up Migration

-- What a personal digest is assembled from, frozen with the edition: the trending query's top DIGEST_POOL_SIZE
-- papers with the text taste compares (pool), and each one's HTML and text blocks rendered once (kit). NULL for
-- editions built before: their readers get the shared digest.
ALTER TABLE editions ADD COLUMN pool jsonb;
ALTER TABLE editions ADD COLUMN kit jsonb;

-- Which papers each reader was sent, whatever the digest (shared, personal, weekly): "never a paper twice".
-- Removed with the subscriber; rows older than the trending window can go (those papers no longer trend).
CREATE TABLE sent_papers (
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  paper_id      bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  sent_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber_id, paper_id)
);
CREATE INDEX sent_papers_sent_at_idx ON sent_papers (sent_at);

-- Down Migration
DROP TABLE sent_papers;
ALTER TABLE editions DROP COLUMN kit;
ALTER TABLE editions DROP COLUMN pool;
