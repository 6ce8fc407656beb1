-- Data versions per country, announced by the sink after ClickHouse accepted a batch
-- (src/platform/data-announcements.ts) and kept in memory by every API process, which learns of
-- them through NOTIFY on `covid_data_versions` (and re-reads this table as a safety net).
-- `version` comes from one sequence and is taken when the row is locked, so for one country it
-- grows in commit order whatever the number of sinks.
CREATE SEQUENCE data_version_seq;

CREATE TABLE data_versions (
  country      text PRIMARY KEY,
  version      bigint NOT NULL,
  announced_at timestamptz NOT NULL DEFAULT now()
);

-- Names this database's version sequence: a sequence restarted in a new database never yields
-- ETags equal to those the old one gave out.
CREATE TABLE data_version_epoch (
  id text NOT NULL
);
INSERT INTO data_version_epoch (id) VALUES (gen_random_uuid()::text);
