// Query and path parameter schemas shared by the routes. They validate to a closed form
// (a real date, an alpha-2 code, a known field name), which is what makes it safe to write
// values into ClickHouse SQL; whether a country has data is checked by the data service.
import { z } from 'zod';
import { lookupCountry } from '../../domain/country-lookup.ts';
import { isIsoDate } from '../../domain/dates.ts';
import { parsePlace, PLACES, REGION_ALIASES } from '../../domain/regions.ts';
import { clip } from './problem-limits.ts';

/** An echoed value: at most 40 characters (problem-limits.ts bounds the whole answer too). */
export const quote = (value: unknown) => `'${clip(String(value), 40)}'`;

export const dateParam = z
  .string()
  .refine(isIsoDate, { error: (issue) => `${quote(issue.input)} is not a real date (YYYY-MM-DD)` })
  .meta({ format: 'date', example: '2021-02-01' });

/** Why a country as typed was refused, with the countries it may have meant. */
function countryProblem(input: string): string | null {
  const found = lookupCountry(input);
  if (found.ok) return null;
  const options = found.candidates.map((c) => `${c.country} (${c.name})`).join(', ');
  return `${quote(input)} ${found.reason}${options ? `; candidates: ${options}` : ''}`;
}

/** The alpha-2 code of a country a problem-free input names. */
const toAlpha2 = (input: string) => {
  const found = lookupCountry(input);
  return found.ok ? found.country : input;
};

export const COUNTRY_DESCRIPTION =
  'ISO 3166-1 alpha-2 (`RU`) or alpha-3 (`RUS`) code, or English name (`Russia`, `Russian Federation`), case-insensitive; ' +
  'a name that fits several countries (`Korea`) is refused with the candidates';

export const countryParam = z
  .string()
  .superRefine((value, context) => {
    const problem = countryProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .transform(toAlpha2)
  .meta({ description: COUNTRY_DESCRIPTION, example: 'RU' });

/** Items a list parameter takes: more than any real request needs (about 250 countries). */
export const MAX_LIST_ITEMS = 250;
/** Distinct problems reported for one list: a list of 250 bad items is not 250 issues. */
const MAX_LIST_PROBLEMS = 3;

/** Items in a comma-separated list (commas, code 44, + 1), without making them. */
function itemCount(value: string): number {
  let count = 1;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) === 44) count++;
  return count;
}

/**
 * A comma-separated list, each item validated; duplicates are dropped, order kept. A list too
 * long is one issue; otherwise each distinct problem is one issue, at most MAX_LIST_PROBLEMS of
 * them and then a count of the rest.
 */
function listParam<T extends string>(check: (item: string) => string | null, normalize: (item: string) => T) {
  return z
    .string()
    .superRefine((value, context) => {
      // Counted before splitting: a split into thousands of strings is what made a list of
      // 8,000 empty items cost the server more than half a millisecond.
      const count = itemCount(value);
      if (count > MAX_LIST_ITEMS) {
        context.addIssue({ code: 'custom', message: `has ${count} items; at most ${MAX_LIST_ITEMS}` });
        return;
      }
      const items = value.split(',');
      const problems = new Set<string>();
      let unlisted = 0;
      for (const item of items) {
        const problem = check(item);
        if (problem === null || problems.has(problem)) continue;
        if (problems.size < MAX_LIST_PROBLEMS) problems.add(problem);
        else unlisted++;
      }
      for (const problem of problems) context.addIssue({ code: 'custom', message: problem });
      if (unlisted > 0) context.addIssue({ code: 'custom', message: `and ${unlisted} more invalid item${unlisted > 1 ? 's' : ''}` });
    })
    .transform((value) => [...new Set(value.split(',').map(normalize))]);
}

export const countryListParam = listParam(countryProblem, toAlpha2).meta({
  description: `one or more countries, comma-separated, each an ${COUNTRY_DESCRIPTION}; every country when absent`,
  example: 'RU,DEU,France',
});

/** WORLD or a WHO region (older codes too), in canonical form; else a country as countryParam takes it. */
const PLACE_DESCRIPTION = `${PLACES.join(', ')} (older codes ${Object.keys(REGION_ALIASES).join(', ')} too)`;
const placeProblem = (item: string) => {
  if (parsePlace(item)) return null;
  const problem = countryProblem(item);
  return problem && `${problem}; nor is it a place (${PLACE_DESCRIPTION})`;
};
const toPlace = (item: string) => parsePlace(item) ?? toAlpha2(item);

export const placeParam = z
  .string()
  .superRefine((value, context) => {
    const problem = placeProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .transform(toPlace)
  .meta({ description: `a country (${COUNTRY_DESCRIPTION}), or a place: ${PLACE_DESCRIPTION}`, example: 'RU' });

export const placeListParam = listParam(placeProblem, toPlace).meta({
  description: `one or more countries (${COUNTRY_DESCRIPTION}) or places (${PLACE_DESCRIPTION}), comma-separated; every country (no place) when absent`,
  example: 'RU,DEU,EUR,WORLD',
});

/** Computed per (place, date) over the whole series (SPEC 6.1); asked for with `fields`. */
export const MEASURE_FIELDS = ['countries', 'cases_7d', 'deaths_7d', 'cumulative_cases', 'cumulative_deaths'] as const;
/** Every field /v1/daily has: the stored ones, the country's alpha-3 code and English name, and the measures. */
export const DAILY_FIELDS = [
  'country',
  'date',
  'cases',
  'deaths',
  'estimated',
  'source',
  'estimated_cases',
  'estimated_deaths',
  'iso3',
  'name',
  ...MEASURE_FIELDS,
] as const;
export type DailyField = (typeof DAILY_FIELDS)[number];
/** Without `fields`: the original six columns, then the per-count flags (added at the end, so positions stay). */
export const DEFAULT_DAILY_FIELDS: readonly DailyField[] = DAILY_FIELDS.slice(0, 8);
const isDailyField = (item: string): item is DailyField => (DAILY_FIELDS as readonly string[]).includes(item);

export const fieldsParam = listParam(
  (item) => (isDailyField(item) ? null : `${quote(item)} is not a field (${DAILY_FIELDS.join(', ')})`),
  (item) => item as DailyField,
).meta({
  description:
    `columns to return, comma-separated, in this order: any of ${DAILY_FIELDS.join(', ')}; ${DEFAULT_DAILY_FIELDS.join(', ')} ` +
    'when absent (and countries for a place)',
  example: 'date,iso3,name,cases,estimated_cases,cases_7d,cumulative_cases',
});

export const FORMATS = ['json', 'csv', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];

export const formatParam = z
  .enum(FORMATS, { error: (issue) => `${quote(issue.input)} is not one of ${FORMATS.join(', ')}` })
  .meta({ description: 'overrides the Accept header' });

/** Adds the inclusive date range check to a query schema that has optional start and end. */
export function withDateRange<T extends { start?: string; end?: string }>(schema: z.ZodType<T>) {
  return schema.refine((query) => query.start === undefined || query.end === undefined || query.start <= query.end, {
    error: (issue) => {
      const { start, end } = issue.input as { start: string; end: string };
      return `start (${start}) is after end (${end})`;
    },
    path: ['start'],
  });
}

export const rangeDescription = {
  start: 'first day, inclusive (YYYY-MM-DD); from the first day with data when absent',
  end: 'last day, inclusive (YYYY-MM-DD); to the last day with data when absent',
};
