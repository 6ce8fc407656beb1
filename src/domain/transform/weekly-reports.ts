// Rule 3 of SPEC 3.2, which reports are weekly totals. It looks only at the days of a series
// that are not quiet (its reports): 6 quiet days before a report and a report on the 7th is the
// same as "the previous report lies exactly 7 days before".

export const WEEK = 7;
/** The longest gap between two reports of a weekly reporter that still counts (8 weeks). */
const MAX_WEEKLY_GAP = 8 * WEEK;

export interface WeeklyReport {
  /** Day number of the report; its total covers it and the 6 days before it. */
  day: number;
  /** Day number of the previous report. Days after it and before the 7-day window are missed weeks. */
  previous: number;
}

/** 7, 14, ... 56 days: a gap a weekly reporter leaves (reports on the same weekday). */
function isWholeWeeks(gap: number): boolean {
  return gap >= WEEK && gap <= MAX_WEEKLY_GAP && gap % WEEK === 0;
}

/**
 * The weekly reports among `reportDays` (the day numbers of a series' reports, ascending): a
 * report whose previous report lies exactly 7 days before it; or 14..56 days (whole weeks)
 * before it when that previous report itself came a whole number of weeks after the one before
 * it, so the series is on a weekly cadence that missed weeks. Sporadic reports of a daily
 * series are not weekly: the report before a gap came a day or two after its own predecessor.
 */
export function findWeeklyReports(reportDays: readonly number[]): WeeklyReport[] {
  const weekly: WeeklyReport[] = [];
  for (let i = 1; i < reportDays.length; i++) {
    const day = reportDays[i]!;
    const previous = reportDays[i - 1]!;
    const gap = day - previous;
    if (gap === WEEK) {
      weekly.push({ day, previous });
    } else if (i >= 2 && isWholeWeeks(gap) && isWholeWeeks(previous - reportDays[i - 2]!)) {
      weekly.push({ day, previous });
    }
  }
  return weekly;
}
