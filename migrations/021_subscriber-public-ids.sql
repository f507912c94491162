-- Up Migration

-- How a reader is named in everything that leaves the service (the tokens of links, VERP tags, the List-Unsubscribe
-- mailto, Message-IDs): a random id, never the row id, whose sequence tells anyone with two links the list's size
-- and growth. Random rather than the row id encrypted: no key to rotate, SECRET_KEY rotation leaves it alone.
-- The volatile default gives every existing row an id of its own (the table is rewritten once, under lock).
ALTER TABLE subscribers ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX subscribers_public_id_key ON subscribers (public_id);

-- Down Migration
ALTER TABLE subscribers DROP COLUMN public_id;
