-- Which count of a published row was estimated (issue 15 item 4). Rows published before carry
-- `estimated` alone, which is what ClickHouse's new columns default to as well (clickhouse/003),
-- so the next diff republishes exactly the rows where only one count was estimated.
ALTER TABLE etl_published
  ADD COLUMN estimated_cases boolean,
  ADD COLUMN estimated_deaths boolean;
UPDATE etl_published SET estimated_cases = estimated, estimated_deaths = estimated;
ALTER TABLE etl_published
  ALTER COLUMN estimated_cases SET NOT NULL,
  ALTER COLUMN estimated_deaths SET NOT NULL;
