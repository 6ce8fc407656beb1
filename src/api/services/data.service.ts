// Incidence data for the routes. Everything is computed for a given data version and cached
// under it: one country's series under that country's version, everything else under the
// version of all data (data-version.service.ts), so a batch for one country leaves the others'
// entries valid. The versions keep answers fresh, the cache only keeps them cheap. Old versions
// fall out of the cache by recency.
import { isKnownCountry } from '../../domain/countries.ts';
import { parsePlace } from '../../domain/regions.ts';
import { AppError } from '../errors.ts';
import type { CountryCoverage, CountrySeries, DailyFilter, DailyRepository, DailyRow, MeasuredRow, SourceFreshness } from '../repositories/daily.repository.ts';
import type { MeasuresFilter, MeasuresRepository } from '../repositories/measures.repository.ts';
import type { DataVersionService } from './data-version.service.ts';
import { LruCache } from './lru-cache.ts';
import { placeMembers, type PlaceMembers } from './places.ts';
import { summarize, type Summary } from './summary.ts';

export interface DataService {
  countries(version: string): Promise<CountryCoverage[]>;
  /** Throws `unknown_country` for a code that is not ISO 3166-1 alpha-2 or has no data (each at its own version). */
  requireCountries(codes: readonly string[]): Promise<void>;
  /** WORLD and each WHO region with its members (SPEC 6.1), at the version of all data. */
  places(version: string): Promise<PlaceMembers[]>;
  /**
   * A country's series, or a place's (`country` a Place: the sums over its members). A place
   * depends on every country (its members follow their rows): give it the version of all data.
   */
  series(version: string, country: string): Promise<CountrySeries>;
  summary(version: string, country: string): Promise<Summary>;
  freshness(version: string): Promise<SourceFreshness[]>;
  /** Streams rows straight from ClickHouse (never cached here: an export can be the whole table). */
  streamRows(filter: DailyFilter): Promise<AsyncIterable<DailyRow[]>>;
  /** Rows of countries and places with their measures, streamed likewise. */
  streamMeasured(filter: MeasuresFilter): Promise<AsyncIterable<MeasuredRow[]>>;
}

// Rough bytes per cached value: enough to bound memory, not an exact count.
function weigh(value: unknown): number {
  if (Array.isArray(value)) return 256 * value.length + 64;
  if (value && typeof value === 'object' && 'dates' in value) return 96 * (value as CountrySeries).dates.length + 64;
  return 1_024;
}

const PER_COUNTRY_CHECKS = 8;

export function createDataService(
  daily: DailyRepository,
  measures: MeasuresRepository,
  versions: DataVersionService,
  maxCacheBytes = 64 * 1024 * 1024,
): DataService {
  const cache = new LruCache<unknown>(maxCacheBytes, weigh);
  const cached = <T>(key: string, load: () => Promise<T>) => cache.getOrLoad(key, load) as Promise<T>;

  const countries = (version: string) => cached(`${version}|countries`, () => daily.countries());
  const countrySet = (version: string) =>
    cached(`${version}|country-set`, async () => new Set((await countries(version)).map((c) => c.country)));
  /** Whether each country has rows: from its own series for a few (a batch for another country
   * costs nothing then), from the list of all countries for many. */
  const haveData = async (codes: readonly string[]): Promise<boolean[]> => {
    if (codes.length > PER_COUNTRY_CHECKS) {
      const known = await countrySet(versions.all());
      return codes.map((code) => known.has(code));
    }
    const series = await Promise.all(codes.map((code) => service.series(versions.country(code), code)));
    return series.map((s) => s.dates.length > 0);
  };

  const service: DataService = {
    countries,

    async requireCountries(codes) {
      const notIso = codes.filter((code) => !isKnownCountry(code));
      if (notIso.length > 0) {
        throw new AppError('unknown_country', `${notIso.map((c) => `'${c}'`).join(', ')}: not an ISO 3166-1 alpha-2 country code`);
      }
      const present = await haveData(codes);
      const missing = codes.filter((_, i) => !present[i]);
      if (missing.length > 0) throw new AppError('unknown_country', `no data for country ${missing.map((c) => `'${c}'`).join(', ')}`);
    },

    places: (version) => cached(`${version}|places`, async () => placeMembers(await countries(version))),

    series: (version, country) =>
      cached(`${version}|series|${country}`, () => {
        const place = parsePlace(country);
        return place ? measures.placeSeries(place) : daily.series(country);
      }),

    summary: (version, country) =>
      cached(`${version}|summary|${country}`, async () => {
        const series = await service.series(version, country);
        if (series.dates.length === 0) throw new AppError('unknown_country', `no data for ${parsePlace(country) ? 'place' : 'country'} '${country}'`);
        return summarize(series);
      }),

    freshness: (version) => cached(`${version}|freshness`, () => daily.freshness()),

    streamRows: (filter) => daily.streamRows(filter),

    streamMeasured: (filter) => measures.streamMeasured(filter),
  };
  return service;
}
