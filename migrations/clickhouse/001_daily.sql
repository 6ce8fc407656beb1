-- One row per (country, date) after deduplication. `version` makes the coverage chain win
-- whatever the order of arrival: source rank first (ecdc > who > stopcoronavirus), then the
-- revision (Kafka timestamp), so a newer revision of the same source replaces an older one.
-- Runs on ClickHouse 18.16 and current releases alike (no LowCardinality, no Date32).
CREATE TABLE IF NOT EXISTS {database}.daily (
  country     FixedString(2),
  date        Date,
  cases       Int32,
  deaths      Int32,
  source      String,
  estimated   UInt8,
  version     UInt64,
  run_id      UInt64,
  inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(date)
ORDER BY (country, date)
