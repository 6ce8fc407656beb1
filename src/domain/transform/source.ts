// One source's whole read → records: rules 3-5 per country, after moving ECDC dates into WHO's
// convention (boundary.ts), and rule 6 for стопкоронавирус weeks. Given the coverage context,
// only the records that stand in the chain (rule 2) are made, and a weekly total that starts
// before its source's first covered date is spread over the covered days only: the seam between
// two sources neither drops nor doubles any part of a report.
import type { SourceName } from '../record.ts';
import { ecdcDayOffset, ecdcToWhoDate } from './boundary.ts';
import { coverageRange, type CoverageContext } from './coverage.ts';
import { transformSeries } from './series.ts';
import { spreadWeek, type WeekTotal } from './weekly.ts';
import type { FillPolicy, SeriesPoint, TransformResult } from './types.ts';

export function transformSourceSeries(
  source: SourceName,
  series: ReadonlyMap<string, readonly SeriesPoint[]>,
  fill: FillPolicy,
  coverage?: CoverageContext,
): TransformResult {
  const result: TransformResult = { records: [], counts: { spread: 0, filled: 0 } };
  for (const country of [...series.keys()].sort()) {
    const range = coverage ? coverageRange(source, country, coverage) : { from: null, to: null };
    if (range === null) continue;
    let points = series.get(country)!;
    if (source === 'ecdc' && ecdcDayOffset(country) !== 0) {
      points = points.map((p) => ({ ...p, date: ecdcToWhoDate(country, p.date) }));
    }
    const one = transformSeries({ country, source, points, fill, from: range.from, to: range.to });
    for (const r of one.records) result.records.push(r);
    result.counts.spread += one.counts.spread;
    result.counts.filled += one.counts.filled;
  }
  return result;
}

/** Weeks of one source → daily records (weeks must not overlap; the crawler keeps one per week). */
export function transformWeeks(weeks: readonly WeekTotal[], coverage?: CoverageContext, source: SourceName = 'stopcoronavirus'): TransformResult {
  const records = weeks.flatMap((w) => {
    const range = coverage ? coverageRange(source, w.country, coverage) : { from: null, to: null };
    if (range === null) return [];
    return spreadWeek(w, source, range.from).filter((r) => range.to === null || r.date <= range.to);
  });
  return { records, counts: { spread: records.length, filled: 0 } };
}
