-- The WHO region a WHO record carries (SPEC 6.1): `AFR` ... `WPR`, `OTHER` for a country WHO
-- assigns to none, '' for records of the other sources. A country's region is that of its latest
-- row with one. 18.16 has no ADD COLUMN IF NOT EXISTS: the migration runner takes "column
-- already exists" from a re-run of this file as done (platform/migrations.ts).
ALTER TABLE {database}.daily
  ADD COLUMN region String DEFAULT '' AFTER estimated
