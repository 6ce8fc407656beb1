-- Which count of a row was estimated (issue 15 item 4); `estimated` keeps its meaning (either
-- count). Rows written before carry `estimated` alone and read as both counts estimated, which
-- is what that flag claimed. 18.16 has no ADD COLUMN IF NOT EXISTS: the migration runner takes
-- "column already exists" from a re-run of this file as done (platform/migrations.ts).
ALTER TABLE {database}.daily
  ADD COLUMN estimated_cases UInt8 DEFAULT estimated AFTER estimated,
  ADD COLUMN estimated_deaths UInt8 DEFAULT estimated AFTER estimated_cases
