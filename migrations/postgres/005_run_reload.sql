-- Sources a run reprocesses from their whole history (`covid-etl run --reload`, issue 15 item 5).
-- Empty for an ordinary run. A reload run re-reads the source and publishes what differs from
-- what was published before (etl_published), e.g. after a FILL_POLICY change.
ALTER TABLE etl_runs ADD COLUMN reload text[] NOT NULL DEFAULT '{}'
  CHECK (reload <@ ARRAY['ecdc', 'who', 'stopcoronavirus']::text[]);
