-- Up Migration

-- Lifted suppressions (`paperboy suppressions remove`): the row goes, what it said stays, with who forced it.
CREATE TABLE suppression_lifts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email      text NOT NULL,
  reason     text NOT NULL,
  detail     text,
  suppressed_at timestamptz NOT NULL,
  forced     boolean NOT NULL DEFAULT false,
  lifted_at  timestamptz NOT NULL DEFAULT now()
);

-- Provider webhook events already acted on: a redelivered event (providers retry) changes nothing.
CREATE TABLE webhook_events (
  provider    text NOT NULL,
  event_id    text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);

-- Down Migration
DROP TABLE webhook_events;
DROP TABLE suppression_lifts;
