// The places' series on one calendar: every day from the earliest first date to the latest last
// date, with null where a place has no row. A day without a row stays null all the way to the
// chart, which draws it as a gap: a line is never drawn across it.
import type { DailyRow } from './api.ts';
import { dayDate, dayNumber } from './format.ts';
import type { Measure, Scale } from './view.ts';

export interface AlignedSeries {
  /** Dates of the calendar, `YYYY-MM-DD`, oldest first. */
  dates: string[];
  /** Per place (in the order given), its row on each date of the calendar, or null. */
  rows: Map<string, (DailyRow | null)[]>;
}

export function alignSeries(series: ReadonlyMap<string, readonly DailyRow[]>): AlignedSeries {
  let first = Infinity;
  let last = -Infinity;
  for (const rows of series.values()) {
    if (rows.length === 0) continue;
    first = Math.min(first, dayNumber(rows[0]!.date));
    last = Math.max(last, dayNumber(rows[rows.length - 1]!.date));
  }
  const dates: string[] = [];
  for (let day = first; day <= last; day++) dates.push(dayDate(day));
  const aligned = new Map<string, (DailyRow | null)[]>();
  for (const [place, rows] of series) {
    const column: (DailyRow | null)[] = new Array<DailyRow | null>(dates.length).fill(null);
    for (const row of rows) column[dayNumber(row.date) - first] = row;
    aligned.set(place, column);
  }
  return { dates, rows: aligned };
}

/** A value the chart can draw on this scale: a log axis has no place for 0 or less. */
const drawable = (value: number | null | undefined, scale: Scale): number | null =>
  value === null || value === undefined || (scale === 'log' && value <= 0) ? null : value;

export interface PlotColumns {
  daily: (number | null)[];
  mean: (number | null)[];
  /** The daily value on estimated days only: drawn as hollow points over the line. */
  estimated: (number | null)[];
}

export function plotColumns(rows: readonly (DailyRow | null)[], measure: Measure, scale: Scale): PlotColumns {
  const meanField = measure === 'cases' ? 'cases_7d' : 'deaths_7d';
  return {
    daily: rows.map((row) => drawable(row?.[measure], scale)),
    mean: rows.map((row) => drawable(row?.[meanField], scale)),
    estimated: rows.map((row) => (row?.estimated ? drawable(row[measure], scale) : null)),
  };
}
