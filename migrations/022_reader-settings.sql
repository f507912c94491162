-- Up Migration

-- What a reader chose on their preferences page (src/http/routes/preferences.ts). No row: the shared digest,
-- daily at DIGEST_CRON's hour in DIGEST_TZ. Removed with the subscriber.
CREATE TABLE reader_settings (
  subscriber_id  bigint PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
  frequency      text NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
  -- 1 = Monday … 7 = Sunday (ISO); only weekly readers use it.
  weekday        smallint NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
  -- 5, 10 or 20 when the reader chose; DIGEST_SIZE (up to 50) until they do.
  size           smallint NOT NULL CHECK (size BETWEEN 1 AND 50),
  -- Local hour in time_zone (IANA).
  hour           smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
  time_zone      text NOT NULL CHECK (length(time_zone) <= 64),
  topics_include text[] NOT NULL DEFAULT '{}',
  topics_exclude text[] NOT NULL DEFAULT '{}',
  topics_only    boolean NOT NULL DEFAULT false,
  authors        text[] NOT NULL DEFAULT '{}',
  -- The UTC hour the local hour falls in when saved: the hourly run's coarse bucket (±1 h around daylight saving
  -- changes; src/digest/delivery-slots.ts decides exactly).
  utc_hour       smallint NOT NULL CHECK (utc_hour BETWEEN 0 AND 23),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reader_settings_slot_idx ON reader_settings (utc_hour, frequency, weekday);

-- Down Migration
DROP TABLE reader_settings;
