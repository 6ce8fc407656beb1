// A country's coverage from its per-source ranges: where its series starts and ends, how many
// days have a row, and how many calendar days inside that span have none (a gap: a source that
// stopped, a weekly post not published, a day the source skipped). Rows from ClickHouse come as
// one (country, source) range each; this folds them per country.
import { daysBetween } from '../../domain/dates.ts';

export interface SourceRange {
  source: string;
  firstDate: string;
  lastDate: string;
  /** Days with a row of this source. */
  days: number;
  /** The region of this source's latest row that carries one ('' if none does; only WHO rows carry one). */
  region?: string;
}

export interface CountryCoverage {
  country: string;
  firstDate: string;
  lastDate: string;
  /** Days with a row. */
  days: number;
  /** Calendar days from firstDate to lastDate (both included) without a row. */
  missingDays: number;
  sources: string[];
  /** Per source, in the order of their first dates. */
  ranges: SourceRange[];
  /** The region of the country's latest row that carries one: a WHO region, `OTHER`, or '' (none carried). */
  region: string;
}

/** `ranges` of several countries, sorted by country: their coverage, one per country. */
export function foldCoverage(ranges: readonly (SourceRange & { country: string })[]): CountryCoverage[] {
  const byCountry = new Map<string, SourceRange[]>();
  for (const { country, ...range } of ranges) {
    const list = byCountry.get(country);
    if (list) list.push(range);
    else byCountry.set(country, [range]);
  }
  return [...byCountry].map(([country, list]) => {
    const firstDate = list.reduce((min, r) => (r.firstDate < min ? r.firstDate : min), list[0]!.firstDate);
    const lastDate = list.reduce((max, r) => (r.lastDate > max ? r.lastDate : max), list[0]!.lastDate);
    const days = list.reduce((sum, r) => sum + r.days, 0);
    return {
      country,
      firstDate,
      lastDate,
      days,
      missingDays: daysBetween(firstDate, lastDate) + 1 - days,
      sources: list.map((r) => r.source).sort(),
      ranges: [...list].sort((a, b) => (a.firstDate < b.firstDate ? -1 : a.firstDate > b.firstDate ? 1 : 0)),
      region: list.filter((r) => r.region).sort((a, b) => (a.lastDate < b.lastDate ? 1 : -1))[0]?.region ?? '',
    };
  });
}
