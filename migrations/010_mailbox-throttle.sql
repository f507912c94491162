-- Up Migration

-- The mailbox an address delivers to, for throttling confirmations only: lower-cased, its +tag removed
-- (ada+1@example.org, ada+2@example.org and Ada@example.org are one inbox). The address is still stored as typed.
CREATE FUNCTION subscriber_mailbox(email text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(regexp_replace(email, '^([^+@]*)\+[^@]*@', '\1@'))
  $$;

-- "Was this inbox sent a confirmation in the last minutes?", asked by every subscribe batch.
CREATE INDEX subscribers_mailbox_confirmation_idx ON subscribers (subscriber_mailbox(email), confirmation_sent_at);

-- Down Migration
DROP INDEX subscribers_mailbox_confirmation_idx;
DROP FUNCTION subscriber_mailbox(text);
