-- Up Migration

-- An erased reader (`paperboy readers erase`, the "erase me" link, the console) leaves nothing behind but, when
-- they were suppressed, their suppression: its email then holds `erased:` and a keyed hash of the address
-- (src/security/keys.ts erasedAddressKey), so the address is recognised and refused if typed again, and never
-- mailed. What it said (detail) goes with the reader: it may quote the address.
ALTER TABLE suppressions ADD COLUMN erased_at timestamptz;

-- Down Migration
ALTER TABLE suppressions DROP COLUMN erased_at;
