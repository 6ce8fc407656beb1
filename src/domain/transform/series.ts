// Rules 3, 4 and 5 of SPEC 3.2 over one source's series of one country: weekly reports become
// daily values, missing values inside the reported period are filled, and nothing is invented
// before the first report or after the last one.
import type { DailyRecord } from '../record.ts';
import { fromDayNumber, toDayNumber } from '../dates.ts';
import { splitExact } from './spread.ts';
import { findWeeklyReports, WEEK } from './weekly-reports.ts';
import type { SeriesInput, SeriesPoint, TransformResult } from './types.ts';

interface DayValues {
  cases: number | null;
  deaths: number | null;
}

const NO_VALUES: DayValues = { cases: null, deaths: null };

/** A day is quiet when it has no row, or when each of its counts is empty or 0. */
function isQuietPoint(p: DayValues | undefined): boolean {
  return p === undefined || ((p.cases === null || p.cases === 0) && (p.deaths === null || p.deaths === 0));
}

function indexByDay(points: Iterable<SeriesPoint>, country: string): Map<number, SeriesPoint> {
  const byDay = new Map<number, SeriesPoint>();
  for (const p of points) {
    const day = toDayNumber(p.date);
    // Two rows for one day cannot be told apart; the quality gate fails such a read before it
    // gets here, so meeting one is a bug in the caller.
    if (byDay.has(day)) throw new Error(`duplicate row for ${country} on ${p.date}`);
    byDay.set(day, p);
  }
  return byDay;
}

interface WeeklyCover {
  /** The spread values of every day a weekly report covers. */
  spreads: Map<number, DayValues>;
  /** The days of the weeks a weekly reporter missed: missing values whatever the row says. */
  missed: Set<number>;
}

/**
 * Applies rule 3 from `fromDay` on. Windows never overlap: the 6 days before a weekly report
 * are quiet, so none of them is a report.
 */
function coverWeeks(byDay: Map<number, SeriesPoint>, reportDays: number[], fromDay: number): WeeklyCover {
  const spreads = new Map<number, DayValues>();
  const missed = new Set<number>();
  for (const { day, previous } of findWeeklyReports(reportDays)) {
    if (day < fromDay) continue;
    const report = byDay.get(day)!;
    const start = Math.max(day - (WEEK - 1), fromDay);
    const days = day - start + 1;
    // An empty count stays empty on every day of the window, and rule 4 fills it.
    const cases = report.cases === null ? null : splitExact(report.cases, days);
    const deaths = report.deaths === null ? null : splitExact(report.deaths, days);
    for (let i = 0; i < days; i++) {
      spreads.set(start + i, { cases: cases?.[i] ?? null, deaths: deaths?.[i] ?? null });
    }
    // A 0 written on a missed week's day is no report of 0: the reporter skipped that week.
    for (let d = previous + 1; d < day - (WEEK - 1); d++) missed.add(d);
  }
  return { spreads, missed };
}

export function transformSeries(input: SeriesInput): TransformResult {
  const { country, source, fill } = input;
  const byDay = indexByDay(input.points, country);
  const reportDays = [...byDay.keys()].filter((day) => !isQuietPoint(byDay.get(day))).sort((a, b) => a - b);
  const counts = { spread: 0, filled: 0 };
  const records: DailyRecord[] = [];
  if (reportDays.length === 0) return { records, counts };

  const fromDay = input.from ? toDayNumber(input.from) : -Infinity;
  const toDay = input.to ? toDayNumber(input.to) : Infinity;
  const { spreads, missed } = coverWeeks(byDay, reportDays, fromDay);
  // Rule 5: rows start at the first report and end at the last one, so leading and trailing
  // quiet days (written as 0 or left empty) give no rows.
  const first = reportDays[0]!;
  const last = Math.min(reportDays[reportDays.length - 1]!, toDay);

  // ffill carries the last daily value of each count, reported or spread (a weekly total
  // itself is never carried: it is not a daily value). With nothing before it, ffill gives 0.
  let lastCases = 0;
  let lastDeaths = 0;
  for (let day = first; day <= last; day++) {
    const spread = spreads.get(day);
    const values: DayValues = spread ?? (missed.has(day) ? undefined : byDay.get(day)) ?? NO_VALUES;
    const filledCases = values.cases === null;
    const filledDeaths = values.deaths === null;
    const cases = values.cases ?? (fill === 'zero' ? 0 : lastCases);
    const deaths = values.deaths ?? (fill === 'zero' ? 0 : lastDeaths);
    lastCases = cases;
    lastDeaths = deaths;
    // Days before `from` still run through the loop: ffill needs the values they carry.
    if (day < fromDay) continue;
    if (spread) counts.spread++;
    else if (filledCases || filledDeaths) counts.filled++;
    // A spread day has both counts estimated: each is a share of a weekly total or, where the
    // report left that count empty, filled.
    const estimatedCases = spread !== undefined || filledCases;
    const estimatedDeaths = spread !== undefined || filledDeaths;
    records.push({
      country,
      date: fromDayNumber(day),
      cases,
      deaths,
      source,
      estimated: estimatedCases || estimatedDeaths,
      estimated_cases: estimatedCases,
      estimated_deaths: estimatedDeaths,
    });
  }
  return { records, counts };
}
