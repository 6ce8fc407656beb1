// The SQL of measures and places (SPEC 6.1), written for ClickHouse 18.16 and current releases
// alike: no window functions, no WITH tables (docs/clickhouse-measures.md explains each step).
// A series is gathered into arrays per place, the measures are computed over the whole series
// with array functions, and only then is the requested date range kept.
//
// Every value written into this SQL is a validated country code, a place from the closed list,
// or a real date, and still goes through sqlString.
import type { Place } from '../../domain/regions.ts';
import { WORLD } from '../../domain/regions.ts';
import { sqlString } from '../../platform/clickhouse.ts';

/**
 * The members of a region: countries whose latest row with a region names it. `argMax(region,
 * date)` over the deduplicated rows is "the latest region"; it is in HAVING (an alias named like
 * the column would make ClickHouse read the WHERE's `region` as the aggregate).
 */
function members(table: string, region: Exclude<Place, typeof WORLD>): string {
  return `SELECT country FROM ${table} FINAL WHERE region != '' GROUP BY country HAVING argMax(region, date) = ${sqlString(region)}`;
}

/**
 * One row per (place, date) with the same columns for countries and places, so they can be
 * united: a country's own row (1 contributor), or a place's sum over its members that have a
 * row that day. Aliases differ from the column names: ClickHouse resolves a name to an alias
 * of the same SELECT first, so `sum(cases) AS cases` would nest the aggregate.
 */
function countryRows(table: string, countries: readonly string[] | undefined): string {
  const where = countries ? `WHERE country IN (${countries.map(sqlString).join(', ')})` : '';
  return (
    'SELECT toString(country) AS place, date AS day, toInt64(cases) AS c, toInt64(deaths) AS d, estimated AS e, source AS s, ' +
    'estimated_cases AS ec, estimated_deaths AS ed, toUInt64(1) AS n ' +
    `FROM ${table} FINAL ${where}`
  );
}

function placeRows(table: string, place: Place): string {
  const where = place === WORLD ? '' : `WHERE country IN (${members(table, place)})`;
  return (
    `SELECT ${sqlString(place)} AS place, date AS day, sum(cases) AS c, sum(deaths) AS d, max(estimated) AS e, '' AS s, ` +
    'max(estimated_cases) AS ec, max(estimated_deaths) AS ed, count() AS n ' +
    `FROM ${table} FINAL ${where} GROUP BY date`
  );
}

/** `array` shifted right by `by` places, `fill` coming in on the left, cut to its length. */
const shifted = (array: string, by: number, fill: string) =>
  `arraySlice(arrayConcat(arrayMap(x -> ${fill}, range(${by})), ${array}), 1, length(${array}))`;

/** The mean of the 7 days ending on each day, null unless all 7 have a row (`whole`). */
const mean7 = (running: string) => `arrayMap((whole, now, before) -> if(whole, (now - before) / 7, NULL), whole7, ${running}, ${shifted(running, 7, 'toInt64(0)')})`;

export interface MeasuredSelection {
  /** Countries to list (validated ISO codes); undefined = every country; empty = none. */
  countries: readonly string[] | undefined;
  places: readonly Place[];
  /** Conditions on `day`, already written (the date range); applied after the measures. */
  dayConditions: readonly string[];
}

/**
 * Rows of countries and places with their measures, in (place, date) order. The 7-day window is
 * found by position: with one row per day and dates ascending, the 7 days ending on day i all
 * have rows exactly when the row 6 places back is dated 6 days before. Sums come from the
 * running totals: the 7 days ending at i sum to total[i] - total[i - 7].
 */
export function measuredRowsQuery(table: string, { countries, places, dayConditions }: MeasuredSelection): string {
  const parts = [
    ...(countries === undefined || countries.length > 0 ? [countryRows(table, countries)] : []),
    ...places.map((place) => placeRows(table, place)),
  ];
  if (parts.length === 0) throw new Error('measuredRowsQuery: nothing selected');
  const where = dayConditions.length > 0 ? `WHERE ${dayConditions.join(' AND ')}` : '';
  return `SELECT place, toString(day), c, d, e, s, ec, ed, n, c7, d7, cc, cd
FROM (
  SELECT place, series,
    arrayMap(t -> t.1, series) AS days,
    arrayMap(t -> t.2, series) AS cs,
    arrayMap(t -> t.3, series) AS ds,
    arrayCumSum(cs) AS ccs,
    arrayCumSum(ds) AS cds,
    arrayMap((now, before) -> now - before = 6, days, ${shifted('days', 6, 'toDate(0)')}) AS whole7,
    ${mean7('ccs')} AS c7s,
    ${mean7('cds')} AS d7s
  FROM (
    SELECT place, arraySort(groupArray((day, c, d, e, s, ec, ed, n))) AS series
    FROM (${parts.join(' UNION ALL ')})
    GROUP BY place
  )
)
ARRAY JOIN days AS day, cs AS c, ds AS d, arrayMap(t -> t.4, series) AS e, arrayMap(t -> t.5, series) AS s,
  arrayMap(t -> t.6, series) AS ec, arrayMap(t -> t.7, series) AS ed, arrayMap(t -> t.8, series) AS n,
  c7s AS c7, d7s AS d7, ccs AS cc, cds AS cd
${where}
ORDER BY place, day`;
}

/** Each country's latest region ('' when none of its rows has one), for a GROUP BY country. */
export const LATEST_REGION = "argMaxIf(region, date, region != '')";

/** A place's daily sums, oldest first: date, cases, deaths, estimated, then columns the series does not use. */
export function placeSeriesQuery(table: string, place: Place): string {
  return `SELECT toString(day), c, d, e, n FROM (${placeRows(table, place)}) ORDER BY day`;
}
