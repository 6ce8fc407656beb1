// What a /v1/daily request selects: which countries and places, which columns, and so whether
// the rows need the measures query (measures.sql.ts) or the plain, cheaper one.
import { parsePlace, type Place } from '../../domain/regions.ts';
import { DEFAULT_DAILY_FIELDS, MEASURE_FIELDS, type DailyField } from './params.ts';

export interface DailySelection {
  /** ISO codes, sorted; undefined = every country. */
  countries: string[] | undefined;
  /** Places, sorted. */
  places: Place[];
  fields: readonly DailyField[];
  /** True when a measure or a place is asked: the rows come from the measures query. */
  measured: boolean;
  /**
   * The countries the answer depends on, for the cache's versions: undefined (all data) as soon
   * as a place is asked, since a place sums many countries and its members follow their rows.
   */
  dependsOn: string[] | undefined;
}

const isMeasure = (field: DailyField) => (MEASURE_FIELDS as readonly string[]).includes(field);

/** `codes`: the validated, normalized `country` list (absent = every country). */
export function dailySelection(codes: readonly string[] | undefined, fields: readonly DailyField[] | undefined): DailySelection {
  const places = (codes ?? []).flatMap((code) => parsePlace(code) ?? []).sort();
  const countries = codes ? codes.filter((code) => !parsePlace(code)).sort() : undefined;
  const chosen = fields ?? (places.length > 0 ? [...DEFAULT_DAILY_FIELDS, 'countries' as const] : DEFAULT_DAILY_FIELDS);
  const measured = places.length > 0 || chosen.some(isMeasure);
  return { countries, places, fields: chosen, measured, dependsOn: places.length > 0 ? undefined : countries };
}
