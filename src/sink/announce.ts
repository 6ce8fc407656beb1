// The announce-after-insert hook: once ClickHouse accepted a batch, the countries it was for get
// new data versions, which every API process hears of at once (platform/data-announcements.ts).
// Only after the insert: an API that hears of a version can already read its rows.
//
// An announcement that fails (PostgreSQL down) is logged and dropped, never retried in the
// insert's loop and never a reason to hold the batch: the rows are stored, and the API's own
// safety net (it watches ClickHouse's parts, src/api/services/data-version-sync.ts) notices the
// unannounced change within about a second; the next announcement for a country covers it too.
import type { Logger } from '../platform/logger.ts';
import type { DailyRow } from './decode.ts';
import type { RowWriter } from './writer.ts';

export type Announce = (countries: Iterable<string>) => Promise<unknown>;

export interface AnnounceStats {
  announced: number;
  failed: number;
}

export function announcingWriter(writer: RowWriter, announce: Announce, logger: Logger): RowWriter & { stats(): AnnounceStats } {
  const stats: AnnounceStats = { announced: 0, failed: 0 };
  return {
    async insert(rows: DailyRow[], signal?: AbortSignal) {
      await writer.insert(rows, signal);
      if (rows.length === 0) return;
      const countries = new Set<string>();
      for (const row of rows) countries.add(row.country);
      try {
        await announce(countries);
        stats.announced++;
      } catch (error) {
        stats.failed++;
        logger.warn({ err: error, countries: countries.size }, 'announcing new data failed; API processes notice it by their safety check');
      }
    },
    stats: () => ({ ...stats }),
  };
}
