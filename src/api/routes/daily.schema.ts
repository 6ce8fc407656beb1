// The /v1/daily answer: one row per (country or place, date) with the fields asked for, in JSON,
// CSV or NDJSON; the measures and places of SPEC 6.1 are described here for the OpenAPI document.
import { z } from 'zod';
import { dateSchema, sourceSchema } from './common.schema.ts';

const mean7 = (count: string) =>
  z
    .number()
    .nullable()
    .meta({
      description:
        `mean of the ${count} of the 7 calendar days ending on this date (this day and the 6 before it), computed over the whole ` +
        "series whatever range was asked; null when any of those 7 days has no row (a series' first 6 days, or next to a gap); " +
        'estimated values count like reported ones',
    });

export const dailyRowSchema = z
  .object({
    country: z.string().meta({ description: 'the ISO alpha-2 code, or the place asked for (WORLD, AFR, AMR, EMR, EUR, SEAR, WPR)' }),
    date: dateSchema,
    cases: z.int().meta({ description: 'new cases that day; for a place, the sum over its members that have a row that day' }),
    deaths: z.int(),
    estimated: z.boolean().meta({
      description:
        'a value was filled or spread rather than reported for that very day: `estimated_cases OR estimated_deaths`; ' +
        'for a place, true when any contributing row is',
    }),
    source: sourceSchema.nullable().meta({ description: 'the source whose row stands for that day; null for a place' }),
    estimated_cases: z.boolean().meta({ description: '`cases` was filled or spread (for a place: in any contributing row)' }),
    estimated_deaths: z.boolean().meta({ description: '`deaths` was filled or spread (for a place: in any contributing row)' }),
    iso3: z.string().nullable().meta({ description: 'ISO 3166-1 alpha-3 code (`XKX` for Kosovo), null for a place; only when asked for in `fields`' }),
    name: z.string().meta({ description: 'English short name (CLDR), or the place\'s name; only when asked for in `fields`' }),
    countries: z.int().meta({ description: 'countries with a row that day (1 for a country); in the default fields of a place' }),
    cases_7d: mean7('new cases'),
    deaths_7d: mean7('new deaths'),
    cumulative_cases: z.int().meta({ description: "running sum of cases from the series' first date to this one, whatever range was asked" }),
    cumulative_deaths: z.int().meta({ description: "running sum of deaths from the series' first date to this one" }),
  })
  .partial()
  .meta({
    id: 'DailyRow',
    description: 'the fields asked for with `fields` (by default all but `iso3`, `name` and the measures; `countries` too for a place)',
    example: {
      country: 'RU',
      date: '2021-02-01',
      cases: 17648,
      deaths: 437,
      estimated: false,
      source: 'who',
      estimated_cases: false,
      estimated_deaths: false,
      cases_7d: 18485.285714285714,
      cumulative_cases: 3868087,
    },
  });

export const dailyResponse = {
  description: 'the rows',
  content: {
    'application/json': {
      schema: z.object({ data: z.array(dailyRowSchema) }).meta({
        example: {
          data: [
            {
              country: 'WORLD',
              date: '2021-02-01',
              cases: 459321,
              deaths: 12304,
              estimated: true,
              source: null,
              countries: 218,
              cases_7d: 527118.7142857143,
              cumulative_cases: 102168019,
            },
          ],
        },
      }),
    },
    'text/csv': {
      schema: z.string().meta({
        example:
          'country,date,cases,deaths,estimated,source,estimated_cases,estimated_deaths\r\nNA,2021-02-01,41,1,false,who,false,false\r\n' +
          'EUR,2021-02-01,142460,4063,false,,false,false\r\n',
      }),
    },
    'application/x-ndjson': {
      schema: z.string().meta({
        example: '{"country":"RU","date":"2021-02-01","cases":18359,"deaths":539,"estimated":false,"source":"who","estimated_cases":false,"estimated_deaths":false}\n',
      }),
    },
  },
};
