// Query and path parameter schemas shared by the routes. They validate to a closed form
// (a real date, a two-letter code, a known field name), which is what makes it safe to write
// values into ClickHouse SQL; whether a country has data is checked by the data service.
import { z } from 'zod';
import { isIsoDate } from '../../domain/dates.ts';
import { clip } from './problem-limits.ts';

/** An echoed value: at most 40 characters (problem-limits.ts bounds the whole answer too). */
export const quote = (value: unknown) => `'${clip(String(value), 40)}'`;

export const dateParam = z
  .string()
  .refine(isIsoDate, { error: (issue) => `${quote(issue.input)} is not a real date (YYYY-MM-DD)` })
  .meta({ format: 'date', example: '2021-02-01' });

const COUNTRY = /^[A-Za-z]{2}$/;

export const countryParam = z
  .string()
  .regex(COUNTRY, { error: (issue) => `${quote(issue.input)} is not a two-letter ISO 3166-1 alpha-2 code` })
  .transform((code) => code.toUpperCase())
  .meta({ description: 'ISO 3166-1 alpha-2 country code (case-insensitive)', example: 'RU' });

/** Items a list parameter takes: more than any real request needs (about 250 countries). */
export const MAX_LIST_ITEMS = 250;
/** Distinct problems reported for one list: a list of 250 bad items is not 250 issues. */
const MAX_LIST_PROBLEMS = 3;

/**
 * A comma-separated list, each item validated; duplicates are dropped, order kept. A list too
 * long is one issue; otherwise each distinct problem is one issue, at most MAX_LIST_PROBLEMS of
 * them and then a count of the rest.
 */
function listParam<T extends string>(check: (item: string) => string | null, normalize: (item: string) => T) {
  return z
    .string()
    .superRefine((value, context) => {
      const items = value.split(',');
      if (items.length > MAX_LIST_ITEMS) {
        context.addIssue({ code: 'custom', message: `has ${items.length} items; at most ${MAX_LIST_ITEMS}` });
        return;
      }
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

export const countryListParam = listParam(
  (item) => (COUNTRY.test(item) ? null : `${quote(item)} is not a two-letter ISO 3166-1 alpha-2 code`),
  (item) => item.toUpperCase(),
).meta({ description: 'one or more ISO 3166-1 alpha-2 codes, comma-separated; every country when absent', example: 'RU,DE' });

export const DAILY_FIELDS = ['country', 'date', 'cases', 'deaths', 'estimated', 'source'] as const;
export type DailyField = (typeof DAILY_FIELDS)[number];
const isDailyField = (item: string): item is DailyField => (DAILY_FIELDS as readonly string[]).includes(item);

export const fieldsParam = listParam(
  (item) => (isDailyField(item) ? null : `${quote(item)} is not a field (${DAILY_FIELDS.join(', ')})`),
  (item) => item as DailyField,
).meta({ description: `columns to return, comma-separated, in this order: ${DAILY_FIELDS.join(', ')}`, example: 'date,cases,estimated' });

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
