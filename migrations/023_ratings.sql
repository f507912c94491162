-- Up Migration

-- One-click ratings from the digest ("more like this" / "less like this"): one per reader and paper, the last
-- click wins. Removed with the subscriber (or the paper).
CREATE TABLE ratings (
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  paper_id      bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  vote          smallint NOT NULL CHECK (vote IN (-1, 1)),
  rated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ratings_once UNIQUE (subscriber_id, paper_id)
);

-- Down Migration
DROP TABLE ratings;
