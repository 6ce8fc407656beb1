// Writes rows into the `daily` table: one call is one INSERT (TabSeparated over HTTP). An insert
// that failed half way (one part per year partition) is simply retried: the table is a
// ReplacingMergeTree and a retried row has the same version, so it merges away.
//
// The body is written here rather than by the client's JSONEachRow encoder (a JSON.stringify
// per row, the sink's largest cost after decoding): every string of a DailyRow comes from a
// closed set checked by decode.ts (a country code, an ISO date, a source name, a WHO region or
// ''), so none holds a tab, a newline or a backslash that TabSeparated would need escaped.
// The body goes as a stream, which the failover client does not send again to another replica
// (platform/clickhouse.ts): the sink's retry (batch-store.ts) does, with a new stream.
import { Readable } from 'node:stream';
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
        values: Readable.from(tabSeparated(rows), { objectMode: false }),
        format: 'TabSeparated',
        columns: [...DAILY_COLUMNS],
        ...(signal ? { abort_signal: signal } : {}),
      });
    },
  };
}

/** The rows as TabSeparated lines, columns in DAILY_COLUMNS order. */
export function tabSeparated(rows: readonly DailyRow[]): string {
  let body = '';
  for (const r of rows) {
    body += `${r.country}\t${r.date}\t${r.cases}\t${r.deaths}\t${r.source}\t${r.estimated}\t${r.estimated_cases}\t${r.estimated_deaths}\t${r.region}\t${r.version}\t${r.run_id}\n`;
  }
  return body;
}
