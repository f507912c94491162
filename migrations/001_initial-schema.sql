-- Up Migration

-- Settings the service keeps for itself (the development SECRET_KEY).
CREATE TABLE settings (
  name       text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE subscriber_status AS ENUM ('pending', 'confirmed', 'unsubscribed', 'suppressed');

CREATE TABLE subscribers (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- As the reader typed it (trimmed): what we show them.
  email_input          text NOT NULL,
  -- What we send to: local part as typed, domain lower-cased and in punycode.
  email                text NOT NULL,
  status               subscriber_status NOT NULL DEFAULT 'pending',
  -- sha256(secret, ip): enough to spot abuse, not enough to track a person.
  source_ip_hash       text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  confirmation_sent_at timestamptz,
  confirmed_at         timestamptz,
  unsubscribed_at      timestamptz,
  suppressed_at        timestamptz,
  CONSTRAINT subscribers_email_length CHECK (length(email) <= 254)
);
-- One subscriber per mailbox, whatever the case the address was typed in.
CREATE UNIQUE INDEX subscribers_email_key ON subscribers (lower(email));
-- The fan-out walks confirmed readers in id order (keyset pagination).
CREATE INDEX subscribers_confirmed_idx ON subscribers (id) WHERE status = 'confirmed';

-- Every state change with its time: the audit trail of consent.
CREATE TABLE subscriber_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  status        subscriber_status NOT NULL,
  reason        text NOT NULL,
  occurred_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriber_events_subscriber_idx ON subscriber_events (subscriber_id, occurred_at);

-- Addresses never to be mailed again (hard bounce, complaint), whatever is posted later.
CREATE TABLE suppressions (
  email      text PRIMARY KEY, -- lower(subscribers.email)
  reason     text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'manual')),
  detail     text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE papers (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- arXiv id, or 'synthetic-…' for demo data that has none.
  external_id   text NOT NULL UNIQUE,
  title         text NOT NULL,
  abstract      text NOT NULL DEFAULT '',
  -- Names in order, hidden authors left out.
  authors       text[] NOT NULL DEFAULT '{}',
  url           text NOT NULL,
  code_url      text,
  project_url   text,
  github_stars  integer,
  thumbnail_url text,
  num_comments  integer,
  ai_summary    text,
  keywords      text[] NOT NULL DEFAULT '{}',
  published_at  timestamptz,
  -- When it was listed on Daily Papers: the time trending ages from.
  listed_at     timestamptz NOT NULL,
  upvotes       integer NOT NULL DEFAULT 0 CHECK (upvotes >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Trending only looks at papers listed inside its window.
CREATE INDEX papers_listed_at_idx ON papers (listed_at DESC) INCLUDE (upvotes);

CREATE TABLE upvote_snapshots (
  paper_id    bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  observed_at timestamptz NOT NULL,
  upvotes     integer NOT NULL CHECK (upvotes >= 0),
  PRIMARY KEY (paper_id, observed_at)
);

CREATE TABLE editions (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  edition_date  date NOT NULL UNIQUE,
  title         text NOT NULL,
  subject       text NOT NULL,
  -- The papers as they were when the edition froze: the email and archive page never change after.
  papers        jsonb NOT NULL,
  -- MJML compiled once per edition; recipients' links are filled in at send time.
  html_template text NOT NULL,
  text_template text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  fanned_out_at timestamptz
);

-- Which papers an edition carried: a paper appears in at most one edition, ever.
CREATE TABLE edition_papers (
  edition_id bigint NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
  paper_id   bigint NOT NULL REFERENCES papers (id),
  rank       integer NOT NULL,
  score      double precision NOT NULL,
  PRIMARY KEY (edition_id, rank),
  CONSTRAINT edition_papers_paper_once UNIQUE (paper_id)
);

CREATE TYPE delivery_status AS ENUM ('queued', 'sending', 'sent', 'failed', 'skipped');

-- One row per (edition, subscriber): the record that makes "never twice, never lost" checkable.
CREATE TABLE deliveries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  edition_id    bigint NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  status        delivery_status NOT NULL DEFAULT 'queued',
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  -- Deterministic per (edition, subscriber): a resend after a crash carries the same Message-ID.
  message_id    text NOT NULL,
  smtp_response text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  CONSTRAINT deliveries_once UNIQUE (edition_id, subscriber_id)
);
-- Re-enqueueing after a crash or a Redis loss looks only at deliveries not yet final.
CREATE INDEX deliveries_open_idx ON deliveries (edition_id, id) WHERE status IN ('queued', 'sending');
CREATE INDEX deliveries_subscriber_idx ON deliveries (subscriber_id);

-- Development outbox: where mail goes when SMTP_URL is unset, browsable at /dev/outbox.
CREATE TABLE outbox_messages (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   text,
  envelope_to  text[] NOT NULL,
  subject      text,
  raw          bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE outbox_messages;
DROP TABLE deliveries;
DROP TYPE delivery_status;
DROP TABLE edition_papers;
DROP TABLE editions;
DROP TABLE upvote_snapshots;
DROP TABLE papers;
DROP TABLE suppressions;
DROP TABLE subscriber_events;
DROP TABLE subscribers;
DROP TYPE subscriber_status;
DROP TABLE settings;
