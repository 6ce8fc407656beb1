// Writes rows into the `daily` table: one call is one INSERT (JSONEachRow over HTTP). An insert
// that failed half way (one part per year partition) is simply retried: the table is a
// ReplacingMergeTree and a retried row has the same version, so it merges away.
import { sqlIdentifier, type ClickHouseClient } from '../platform/clickhouse.ts';
import { DAILY_COLUMNS, type DailyRow } from './decode.ts';

export interface RowWriter {
  insert(rows: DailyRow[], signal?: AbortSignal): Promise<void>;
}

export function createClickHouseWriter(client: ClickHouseClient, database: string, table = 'daily'): RowWriter {
  const target = `${sqlIdentifier(database)}.${sqlIdentifier(table)}`;
  return {
    async insert(rows, signal) {
      if (rows.length === 0) return;
      await client.insert({
        table: target,
        values: rows,
        format: 'JSONEachRow',
        columns: [...DAILY_COLUMNS],
        ...(signal ? { abort_signal: signal } : {}),
      });
    },
  };
}
