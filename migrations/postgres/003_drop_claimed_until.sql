-- The task claim lease is gone (pg-boss's heartbeat lapses a lost worker's claim and the claim
-- token fences a late finish), so claimed_until is never read or written. Removed here rather
-- than by editing 002: databases that applied 002 keep what 002 said, and this file converges
-- them all.
ALTER TABLE etl_tasks DROP COLUMN IF EXISTS claimed_until;
