// The incidence data in ClickHouse (migrations/clickhouse/001_daily.sql). ClickHouse 18.16 has
// no query parameters: every value written into SQL here was validated to a closed form before
// (an ISO country code, a real YYYY-MM-DD date) and still goes through sqlString. Reads use
// FINAL, so re-delivered or revised rows never show twice.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '../../platform/clickhouse.ts';
import { sqlIdentifier, sqlString } from '../../platform/clickhouse.ts';
import type { ClickHouseProbe } from './clickhouse-probe.ts';
import { dateBounds, selectTsv, streamTsv, unescapeTsv } from './clickhouse-tsv.ts';
import { foldCoverage, type CountryCoverage } from './country-coverage.ts';
import { LATEST_REGION } from './measures.sql.ts';
import { guarded } from './store-errors.ts';

export type { CountryCoverage };

/** One country's whole history, oldest first, as parallel columns. */
export interface CountrySeries {
  country: string;
  dates: string[];
  cases: number[];
  deaths: number[];
  estimated: boolean[];
  sources: string[];
}

export interface DailyRow {
  /** An ISO country code, or a place (WORLD, a WHO region). */
  country: string;
  date: string;
  cases: number;
  deaths: number;
  estimated: boolean;
  /** null for a place, whose rows come from several countries. */
  source: string | null;
  estimated_cases: boolean;
  estimated_deaths: boolean;
}

/** The measures of a (place, date) (SPEC 6.1), computed over the whole series. */
export interface Measures {
  /** Countries with a row that day (1 for a country). */
  countries: number;
  cases_7d: number | null;
  deaths_7d: number | null;
  cumulative_cases: number;
  cumulative_deaths: number;
}

export type MeasuredRow = DailyRow & Measures;

export interface SourceFreshness {
  source: string;
  firstDate: string;
  lastDate: string;
  /** Rows of this source, over all countries (not days). */
  rows: number;
  /** When the newest row of this source reached ClickHouse (ISO timestamp); null if not recorded. */
  lastInsertedAt: string | null;
}

export interface DailyFilter {
  /** Validated ISO codes; undefined = every country. */
  countries?: readonly string[];
  /** Validated inclusive bounds, YYYY-MM-DD. */
  start?: string;
  end?: string;
  /** Stream on the export connections (services/export-slots.ts decides what is an export). */
  export?: boolean;
}

export interface DailyRepository {
  /**
   * A digest that changes with every insert into the table but not with merges: per partition,
   * the lowest and highest block number of its active parts and the highest data version
   * (mutations). An insert takes a new block number; a merge covers blocks already there; a
   * dropped partition or a TRUNCATE removes rows from the list. It is the safety check behind the
   * announced versions (services/data-version-sync.ts), cheap enough to run every half second.
   */
  partsDigest(): Promise<string>;
  countries(): Promise<CountryCoverage[]>;
  series(country: string): Promise<CountrySeries>;
  freshness(): Promise<SourceFreshness[]>;
  /**
   * Rows in (country, date) order, in batches, without holding the answer in memory. Resolves
   * once ClickHouse accepted the query, so "unavailable" is known before anything is sent.
   */
  streamRows(filter: DailyFilter): Promise<AsyncIterable<DailyRow[]>>;
  ping(): Promise<void>;
}

export function createDailyRepository(
  clickhouse: ClickHouseClient,
  probe: ClickHouseProbe,
  database: string,
  /** Streams exports (streamRows) on its own connections, so they cannot take the others'. */
  exportClient: ClickHouseClient = clickhouse,
): DailyRepository {
  const table = `${sqlIdentifier(database)}.daily`;
  const partsQuery =
    'SELECT partition_id, min(min_block_number), max(max_block_number), max(data_version) FROM system.parts ' +
    `WHERE database = ${sqlString(database)} AND table = 'daily' AND active GROUP BY partition_id ORDER BY partition_id`;
  const select = (query: string) => selectTsv(clickhouse, query);

  return {
    async partsDigest() {
      const text = await guarded('clickhouse', () => probe.query(partsQuery));
      return createHash('sha256').update(text).digest('base64url').slice(0, 16);
    },

    async countries() {
      const rows = await select(
        `SELECT country, source, toString(min(date)), toString(max(date)), count(), ${LATEST_REGION}
         FROM ${table} FINAL GROUP BY country, source ORDER BY country, source`,
      );
      return foldCoverage(
        rows.map(([country, source, firstDate, lastDate, days, region]) => ({
          country: country!,
          source: unescapeTsv(source!),
          firstDate: firstDate!,
          lastDate: lastDate!,
          days: Number(days),
          region: unescapeTsv(region!),
        })),
      );
    },

    async series(country) {
      const rows = await select(
        `SELECT toString(date), cases, deaths, estimated, source FROM ${table} FINAL
         WHERE country = ${sqlString(country)} ORDER BY date`,
      );
      const series: CountrySeries = { country, dates: [], cases: [], deaths: [], estimated: [], sources: [] };
      for (const [date, cases, deaths, estimated, source] of rows) {
        series.dates.push(date!);
        series.cases.push(Number(cases));
        series.deaths.push(Number(deaths));
        series.estimated.push(estimated === '1');
        series.sources.push(unescapeTsv(source!));
      }
      return series;
    },

    async freshness() {
      const rows = await select(
        `SELECT source, toString(min(date)), toString(max(date)), count(), toUnixTimestamp(max(inserted_at))
         FROM ${table} FINAL GROUP BY source ORDER BY source`,
      );
      return rows.map(([source, firstDate, lastDate, count, insertedAt]) => ({
        source: unescapeTsv(source!),
        firstDate: firstDate!,
        lastDate: lastDate!,
        rows: Number(count),
        // 0 when the writer left inserted_at out (18.16 fills omitted JSONEachRow columns with 0).
        lastInsertedAt: Number(insertedAt) > 0 ? new Date(Number(insertedAt) * 1000).toISOString() : null,
      }));
    },

    async streamRows(filter) {
      const conditions = dateBounds('date', filter);
      if (filter.countries) conditions.push(`country IN (${filter.countries.map(sqlString).join(', ')})`);
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      return streamTsv(
        filter.export ? exportClient : clickhouse,
        `SELECT country, toString(date), cases, deaths, estimated, source, estimated_cases, estimated_deaths
         FROM ${table} FINAL ${where} ORDER BY country, date`,
        ([country, date, cases, deaths, estimated, source, estimatedCases, estimatedDeaths]) => ({
          country: country!,
          date: date!,
          cases: Number(cases),
          deaths: Number(deaths),
          estimated: estimated === '1',
          source: unescapeTsv(source!),
          estimated_cases: estimatedCases === '1',
          estimated_deaths: estimatedDeaths === '1',
        }),
      );
    },

    async ping() {
      await select('SELECT 1');
    },
  };
}
