// The measures of SPEC 6.1 worked out in plain code from rows, to check what ClickHouse serves:
// 7-day means only where all 7 calendar days have a row, running totals from the first date,
// and a place's rows as sums over the countries with a row that day.
import { addDays } from '../../../src/domain/dates.ts';

export interface MeasuredJson {
  country: string;
  date: string;
  cases: number;
  deaths: number;
  estimated: boolean;
  source: string | null;
  countries: number;
  cases_7d: number | null;
  deaths_7d: number | null;
  cumulative_cases: number;
  cumulative_deaths: number;
}

interface Day {
  date: string;
  cases: number;
  deaths: number;
  estimated?: boolean;
  source?: string | null;
  countries?: number;
}

/** Measures of one series (one country's rows, or a place's daily sums). */
export function withMeasures(country: string, days: readonly Day[]): MeasuredJson[] {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const byDate = new Map(sorted.map((d) => [d.date, d]));
  let cumulativeCases = 0;
  let cumulativeDeaths = 0;
  return sorted.map((d) => {
    cumulativeCases += d.cases;
    cumulativeDeaths += d.deaths;
    const week = Array.from({ length: 7 }, (_, i) => byDate.get(addDays(d.date, -i))).filter((w) => w !== undefined);
    const mean = (pick: (w: Day) => number) => (week.length === 7 ? week.reduce((sum, w) => sum + pick(w), 0) / 7 : null);
    return {
      country,
      date: d.date,
      cases: d.cases,
      deaths: d.deaths,
      estimated: d.estimated ?? false,
      source: d.source === undefined ? 'who' : d.source,
      countries: d.countries ?? 1,
      cases_7d: mean((w) => w.cases),
      deaths_7d: mean((w) => w.deaths),
      cumulative_cases: cumulativeCases,
      cumulative_deaths: cumulativeDeaths,
    };
  });
}

export function expectedMeasures(rows: readonly (Day & { country: string })[]): MeasuredJson[] {
  return withMeasures(rows[0]!.country, rows);
}

/** A place's rows: per date, the sums over the given member rows, how many, estimated if any is. */
export function expectedPlace(place: string, memberRows: readonly Day[]): MeasuredJson[] {
  const sums = new Map<string, Day & { countries: number }>();
  for (const r of memberRows) {
    const day = sums.get(r.date) ?? { date: r.date, cases: 0, deaths: 0, estimated: false, source: null, countries: 0 };
    day.cases += r.cases;
    day.deaths += r.deaths;
    day.estimated = day.estimated || (r.estimated ?? false);
    day.countries += 1;
    sums.set(r.date, day);
  }
  return withMeasures(place, [...sums.values()]);
}
