// Rule 2, the coverage chain: for each country and date, which source's record stands.
//   ecdc             up to its final report (ecdcLastDate: 2020-12-14 in WHO's convention)
//   who              after that; for a country ECDC never had, every date WHO reports
//   stopcoronavirus  Russia only, dates after WHO's last report for Russia (and after ECDC)
// A later source never overwrites a date that an earlier source covers. Each task only has its
// own source's records, so the chain is a pure function of a small context: which countries
// ECDC has (fixed: its final release never changes) and WHO's last reported date per country
// (which the pipeline keeps between runs).
import type { DailyRecord, SourceName } from '../record.ts';
import { addDays } from '../dates.ts';
import { ECDC_COUNTRIES, ecdcLastDate } from './boundary.ts';

export const STOPCORONAVIRUS_COUNTRY = 'RU';

export interface CoverageContext {
  /** Countries that ECDC has records for. */
  ecdcCountries: ReadonlySet<string>;
  /** Per country, the date of WHO's last report (the date of its last record, rule 5). */
  whoLastReport: ReadonlyMap<string, string>;
}

/** The context for the real ECDC release and WHO's last report per country (empty before WHO is loaded). */
export function coverageContext(whoLastReport: ReadonlyMap<string, string> = new Map()): CoverageContext {
  return { ecdcCountries: ECDC_COUNTRIES, whoLastReport };
}

/** Inclusive date range; null means open on that side. */
export interface DateRange {
  from: string | null;
  to: string | null;
}

/** The dates for which `source` stands in `country`, or null when it stands for none. */
export function coverageRange(source: SourceName, country: string, ctx: CoverageContext): DateRange | null {
  const ecdcHas = ctx.ecdcCountries.has(country);
  switch (source) {
    case 'ecdc':
      return { from: null, to: ecdcLastDate(country) };
    case 'who':
      return { from: ecdcHas ? addDays(ecdcLastDate(country), 1) : null, to: null };
    case 'stopcoronavirus': {
      if (country !== STOPCORONAVIRUS_COUNTRY) return null;
      const after = [ecdcHas ? ecdcLastDate(country) : null, ctx.whoLastReport.get(country) ?? null]
        .filter((d): d is string => d !== null)
        .sort()
        .pop();
      return { from: after === undefined ? null : addDays(after, 1), to: null };
    }
  }
}

export function inRange(date: string, range: DateRange | null): boolean {
  if (range === null) return false;
  return (range.from === null || date >= range.from) && (range.to === null || date <= range.to);
}

export interface CoverageResult {
  kept: DailyRecord[];
  /** Records another source covers (not an error: they are simply not the standing row). */
  dropped: number;
}

/** Keep the records that stand in the chain (records of any mix of sources). */
export function applyCoverage(records: Iterable<DailyRecord>, ctx: CoverageContext): CoverageResult {
  const kept: DailyRecord[] = [];
  let dropped = 0;
  const ranges = new Map<string, DateRange | null>();
  for (const r of records) {
    const key = `${r.source}:${r.country}`;
    let range = ranges.get(key);
    if (range === undefined && !ranges.has(key)) {
      range = coverageRange(r.source, r.country, ctx);
      ranges.set(key, range);
    }
    if (inRange(r.date, range ?? null)) kept.push(r);
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
