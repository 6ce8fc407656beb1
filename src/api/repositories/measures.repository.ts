// Measures and places (SPEC 6.1), computed by ClickHouse from the stored rows at every request
// (measures.sql.ts), so a revised row shows at once in every measure and sum it enters.
import type { Place } from '../../domain/regions.ts';
import { sqlIdentifier, type ClickHouseClient } from '../../platform/clickhouse.ts';
import { dateBounds, nullableNumber, selectTsv, streamTsv, unescapeTsv } from './clickhouse-tsv.ts';
import type { CountrySeries, MeasuredRow } from './daily.repository.ts';
import { measuredRowsQuery, placeSeriesQuery } from './measures.sql.ts';

export interface MeasuresFilter {
  /** Validated ISO codes; undefined = every country; empty = none (places only). */
  countries: readonly string[] | undefined;
  places: readonly Place[];
  /** Validated inclusive bounds, YYYY-MM-DD: which rows are returned, not what they are computed from. */
  start?: string;
  end?: string;
}

export interface MeasuresRepository {
  /** Rows of countries and places with their measures, in (place, date) order, in batches. */
  streamMeasured(filter: MeasuresFilter): Promise<AsyncIterable<MeasuredRow[]>>;
  /** A place's series: per date the sums over its member countries with a row that day. */
  placeSeries(place: Place): Promise<CountrySeries>;
}

function parseMeasured([place, date, cases, deaths, estimated, source, estimatedCases, estimatedDeaths, countries, c7, d7, cc, cd]: string[]): MeasuredRow {
  const from = unescapeTsv(source!);
  return {
    country: place!,
    date: date!,
    cases: Number(cases),
    deaths: Number(deaths),
    estimated: estimated === '1',
    source: from === '' ? null : from,
    estimated_cases: estimatedCases === '1',
    estimated_deaths: estimatedDeaths === '1',
    countries: Number(countries),
    cases_7d: nullableNumber(c7!),
    deaths_7d: nullableNumber(d7!),
    cumulative_cases: Number(cc),
    cumulative_deaths: Number(cd),
  };
}

export function createMeasuresRepository(clickhouse: ClickHouseClient, database: string): MeasuresRepository {
  const table = `${sqlIdentifier(database)}.daily`;
  return {
    streamMeasured: (filter) =>
      streamTsv(clickhouse, measuredRowsQuery(table, { countries: filter.countries, places: filter.places, dayConditions: dateBounds('day', filter) }), parseMeasured),

    async placeSeries(place) {
      const series: CountrySeries = { country: place, dates: [], cases: [], deaths: [], estimated: [], sources: [] };
      for (const [date, cases, deaths, estimated] of await selectTsv(clickhouse, placeSeriesQuery(table, place))) {
        series.dates.push(date!);
        series.cases.push(Number(cases));
        series.deaths.push(Number(deaths));
        series.estimated.push(estimated === '1');
        series.sources.push('');
      }
      return series;
    },
  };
}
