// The /v1/daily answer: one row per (country, date) with the fields asked for, in JSON, CSV
// or NDJSON.
import { z } from 'zod';
import { dateSchema, sourceSchema } from './common.schema.ts';

export const dailyRowSchema = z
  .object({
    country: z.string(),
    date: dateSchema,
    cases: z.int(),
    deaths: z.int(),
    estimated: z.boolean().meta({ description: 'a value was filled or spread rather than reported for that very day: `estimated_cases OR estimated_deaths`' }),
    source: sourceSchema,
    estimated_cases: z.boolean().meta({ description: '`cases` was filled or spread' }),
    estimated_deaths: z.boolean().meta({ description: '`deaths` was filled or spread' }),
    iso3: z.string().meta({ description: 'ISO 3166-1 alpha-3 code (`XKX` for Kosovo); only when asked for in `fields`' }),
    name: z.string().meta({ description: 'English short name (CLDR); only when asked for in `fields`' }),
  })
  .partial()
  .meta({
    id: 'DailyRow',
    description: 'the fields asked for with `fields` (all but `iso3` and `name` by default)',
    example: { country: 'RU', date: '2021-02-01', cases: 18359, deaths: 539, estimated: false, source: 'who', estimated_cases: false, estimated_deaths: false },
  });

export const dailyResponse = {
  description: 'the rows',
  content: {
    'application/json': { schema: z.object({ data: z.array(dailyRowSchema) }) },
    'text/csv': {
      schema: z.string().meta({ example: 'country,date,cases,deaths,estimated,source,estimated_cases,estimated_deaths\r\nNA,2021-02-01,41,1,false,who,false,false\r\n' }),
    },
    'application/x-ndjson': {
      schema: z.string().meta({ example: '{"country":"RU","date":"2021-02-01","cases":18359,"deaths":539,"estimated":false,"source":"who","estimated_cases":false,"estimated_deaths":false}\n' }),
    },
  },
};
