// The /summary numbers for one country's series (SPEC 6), pure. Interpretations:
// - max and min: the earliest date on which the extreme value occurs;
// - mean: arithmetic mean over every day the country has a row for;
// - trends: the least-squares slope (per day) of the daily values on the dates from latest - N
//   to latest, both included (latest - N <= d <= latest: N + 1 calendar days, the original's
//   window, SPEC 6); x is the day number, so a missing day is a gap, not a shift; null when the
//   window holds fewer than 2 points.
import { toDayNumber } from '../../domain/dates.ts';
import type { CountrySeries } from '../repositories/daily.repository.ts';

export interface Extreme {
  time: string;
  value: number;
}

export interface Trends {
  last_6_months: number | null;
  last_year: number | null;
  last_2_years: number | null;
}

export interface Summary {
  max_cases: Extreme;
  min_cases: Extreme;
  max_deaths: Extreme;
  min_deaths: Extreme;
  mean: { cases: number; deaths: number };
  trends: { cases: Trends; deaths: Trends };
}

export const TREND_WINDOWS = { last_6_months: 180, last_year: 365, last_2_years: 730 } as const;

function extreme(dates: readonly string[], values: readonly number[], better: (a: number, b: number) => boolean): Extreme {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (better(values[i]!, values[best]!)) best = i;
  return { time: dates[best]!, value: values[best]! };
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Least-squares slope of y over x; null for fewer than 2 points. */
export function slope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    sxy += dx * (ys[i]! - my);
    sxx += dx * dx;
  }
  return sxx === 0 ? null : sxy / sxx;
}

function trends(days: readonly number[], values: readonly number[]): Trends {
  const latest = days[days.length - 1]!;
  const window = (length: number) => {
    // Series are sorted by date: the window is a suffix.
    let from = days.length;
    while (from > 0 && days[from - 1]! >= latest - length) from--;
    return slope(days.slice(from), values.slice(from));
  };
  return {
    last_6_months: window(TREND_WINDOWS.last_6_months),
    last_year: window(TREND_WINDOWS.last_year),
    last_2_years: window(TREND_WINDOWS.last_2_years),
  };
}

/** The series must not be empty (a country without rows is unknown to the API). */
export function summarize(series: CountrySeries): Summary {
  const days = series.dates.map(toDayNumber);
  return {
    max_cases: extreme(series.dates, series.cases, (a, b) => a > b),
    min_cases: extreme(series.dates, series.cases, (a, b) => a < b),
    max_deaths: extreme(series.dates, series.deaths, (a, b) => a > b),
    min_deaths: extreme(series.dates, series.deaths, (a, b) => a < b),
    mean: { cases: mean(series.cases), deaths: mean(series.deaths) },
    trends: { cases: trends(days, series.cases), deaths: trends(days, series.deaths) },
  };
}
