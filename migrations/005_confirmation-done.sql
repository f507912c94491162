-- Up Migration

-- The claim (its claimedAt, epoch ms) of the last confirmation email the SMTP server accepted or refused for
-- good. One confirmations job carries a batch of claims; a retried job skips the claims up to this one, so
-- the emails already accepted are not sent again.
ALTER TABLE subscribers ADD COLUMN confirmation_done_claim bigint;

-- Down Migration
ALTER TABLE subscribers DROP COLUMN confirmation_done_claim;
