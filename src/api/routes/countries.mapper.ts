// The service's country coverage, in the snake_case shape of countries.schema.ts.
import type { CountryCoverage } from '../repositories/daily.repository.ts';
import { countryIdentity } from '../services/places.ts';

export function toCoverageJson(c: CountryCoverage) {
  return {
    country: c.country,
    ...countryIdentity(c.country, c.region),
    first_date: c.firstDate,
    last_date: c.lastDate,
    days: c.days,
    missing_days: c.missingDays,
    sources: c.sources,
    source_ranges: c.ranges.map((r) => ({ source: r.source, first_date: r.firstDate, last_date: r.lastDate, days: r.days })),
  };
}
