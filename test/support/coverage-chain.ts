// The coverage chain (rule 2) applied to records of any mix of sources: the tests' oracle for
// what src/domain/transform/source.ts does while transforming one source (it never holds two
// sources' records at once, so it has no use for this).
import type { DailyRecord } from '../../src/domain/record.ts';
import { coverageRange, type CoverageContext, type DateRange } from '../../src/domain/transform/coverage.ts';

function inRange(date: string, range: DateRange | null): boolean {
  if (range === null) return false;
  return (range.from === null || date >= range.from) && (range.to === null || date <= range.to);
}

/** Keeps the records that stand in the chain; `dropped` counts those another source covers. */
export function applyCoverage(records: Iterable<DailyRecord>, ctx: CoverageContext): { kept: DailyRecord[]; dropped: number } {
  const kept: DailyRecord[] = [];
  let dropped = 0;
  const ranges = new Map<string, DateRange | null>();
  for (const r of records) {
    const key = `${r.source}:${r.country}`;
    if (!ranges.has(key)) ranges.set(key, coverageRange(r.source, r.country, ctx));
    if (inRange(r.date, ranges.get(key) ?? null)) kept.push(r);
    else dropped++;
  }
  return { kept, dropped };
}

/** The context as it follows from transformed ECDC and WHO records. */
export function coverageContextOf(records: Iterable<DailyRecord>): CoverageContext {
  const ecdcCountries = new Set<string>();
  const whoLastReport = new Map<string, string>();
  for (const r of records) {
    if (r.source === 'ecdc') ecdcCountries.add(r.country);
    else if (r.source === 'who') {
      const last = whoLastReport.get(r.country);
      if (last === undefined || r.date > last) whoLastReport.set(r.country, r.date);
    }
  }
  return { ecdcCountries, whoLastReport };
}
