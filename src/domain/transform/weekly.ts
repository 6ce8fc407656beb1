// Rule 6: a week from стопкоронавирус (объясняем.рф) is a Monday-to-Sunday total; it becomes
// 7 daily records with the same exact split as rule 3.
import type { DailyRecord, SourceName } from '../record.ts';
import { addDays, daysBetween } from '../dates.ts';
import { splitExact } from './spread.ts';

export interface WeekTotal {
  country: string;
  /** First day of the week (a Monday), YYYY-MM-DD. */
  weekStart: string;
  /** Last day of the week (the Sunday), YYYY-MM-DD. */
  weekEnd: string;
  cases: number;
  deaths: number;
}

/**
 * The week's 7 daily records. With `from` (the first date the source stands for, rule 2) inside
 * the week, the totals are spread over the days from `from` on, so no part of the week is lost.
 */
export function spreadWeek(week: WeekTotal, source: SourceName = 'stopcoronavirus', from: string | null = null): DailyRecord[] {
  const span = daysBetween(week.weekStart, week.weekEnd) + 1;
  if (span !== 7) throw new RangeError(`a week spans 7 days, ${week.weekStart}..${week.weekEnd} spans ${span}`);
  const start = from !== null && from > week.weekStart ? from : week.weekStart;
  const days = daysBetween(start, week.weekEnd) + 1;
  if (days <= 0) return [];
  const cases = splitExact(week.cases, days);
  const deaths = splitExact(week.deaths, days);
  return cases.map((c, i) => ({
    country: week.country,
    date: addDays(start, i),
    cases: c,
    deaths: deaths[i]!,
    source,
    estimated: true,
    estimated_cases: true,
    estimated_deaths: true,
  }));
}
