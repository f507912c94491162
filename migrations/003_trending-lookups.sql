-- Up Migration

-- Trending reads two snapshots per candidate paper (its count at as_of and 24 h before). With upvotes
-- stored in the primary key's leaf pages those reads are index-only scans: no heap page per lookup.
ALTER TABLE upvote_snapshots
  DROP CONSTRAINT upvote_snapshots_pkey,
  ADD CONSTRAINT upvote_snapshots_pkey PRIMARY KEY (paper_id, observed_at) INCLUDE (upvotes);

-- Down Migration
ALTER TABLE upvote_snapshots
  DROP CONSTRAINT upvote_snapshots_pkey,
  ADD CONSTRAINT upvote_snapshots_pkey PRIMARY KEY (paper_id, observed_at);
