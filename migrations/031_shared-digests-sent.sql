-- Up Migration

-- "Never a paper twice" without ten rows per reader per day: a shared digest carried its edition's papers
-- (edition_papers), so its delivery row, marked here, is the record; only a personal digest's papers, which differ
-- per reader, go to sent_papers. Rows sent before this migration are taken as shared (their sent_papers rows stay).
-- A constant default: no table rewrite.
ALTER TABLE deliveries ADD COLUMN personal boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE deliveries DROP COLUMN personal;
