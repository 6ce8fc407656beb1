// Rule 2, the coverage chain: for each country and date, which source's record stands.
//   ecdc             up to its final report (ecdcLastDate: 2020-12-14 in WHO's convention)
//   who              after that; for a country ECDC never had, every date WHO reports
//   stopcoronavirus  Russia only, dates after WHO's last report for Russia (and after ECDC)
// A later source never overwrites a date that an earlier source covers. Each task only has its
// own source's records, so the chain is a pure function of a small context: which countries
// ECDC has (fixed: its final release never changes) and WHO's last reported date per country
// (which the pipeline keeps between runs).
import type { SourceName } from '../record.ts';
import { addDays } from '../dates.ts';
import { ECDC_COUNTRIES, ecdcLastDate } from './boundary.ts';

export const STOPCORONAVIRUS_COUNTRY = 'RU';

/**
 * The chain as an order, higher wins: ecdc covers the early dates, who the later ones,
 * stopcoronavirus only what neither covers. Where two sources' rows meet on one date (the
 * store keeps both until it merges them), the higher rank stands, whatever arrived last.
 */
export const SOURCE_RANK: Readonly<Record<SourceName, number>> = Object.freeze({ ecdc: 3, who: 2, stopcoronavirus: 1 });

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
