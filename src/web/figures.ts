// A place's latest figures, read from the measures the API serves (SPEC 6.1): the last 7 days'
// total is 7 × the 7-day mean on the latest date, the change compares it with the mean 7 days
// earlier, the total is the running sum on the latest date. A mean next to a gap is null, and
// so are the figures made from it: a partial week is never passed off as a week.
import type { DailyRow } from './api.ts';
import { dayDate, dayNumber } from './format.ts';
import { MEASURES, type Measure } from './view.ts';

export interface MeasureFigures {
  lastWeek: number | null;
  /** (this week − the week before) / the week before; null when either is unknown or the week before is 0. */
  change: number | null;
  total: number;
}

export interface PlaceFigures {
  latestDate: string;
  measures: Record<Measure, MeasureFigures>;
}

const MEAN_FIELD = { cases: 'cases_7d', deaths: 'deaths_7d' } as const;
const TOTAL_FIELD = { cases: 'cumulative_cases', deaths: 'cumulative_deaths' } as const;

export function placeFigures(rows: readonly DailyRow[]): PlaceFigures | null {
  const latest = rows[rows.length - 1];
  if (!latest) return null;
  const weekBeforeDate = dayDate(dayNumber(latest.date) - 7);
  const weekBefore = rows.findLast((row) => row.date === weekBeforeDate) ?? null;
  const figures = (measure: Measure): MeasureFigures => {
    const mean = latest[MEAN_FIELD[measure]];
    const previous = weekBefore?.[MEAN_FIELD[measure]] ?? null;
    const lastWeek = mean === null ? null : Math.round(mean * 7);
    const previousWeek = previous === null ? null : Math.round(previous * 7);
    return {
      lastWeek,
      change: lastWeek === null || previousWeek === null || previousWeek === 0 ? null : (lastWeek - previousWeek) / previousWeek,
      total: latest[TOTAL_FIELD[measure]],
    };
  };
  return {
    latestDate: latest.date,
    measures: Object.fromEntries(MEASURES.map((measure) => [measure, figures(measure)])) as Record<Measure, MeasureFigures>,
  };
}
