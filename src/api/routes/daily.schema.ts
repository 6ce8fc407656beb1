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
    estimated: z.boolean().meta({ description: 'filled or spread rather than reported for that very day' }),
    source: sourceSchema,
  })
  .partial()
  .meta({
    id: 'DailyRow',
    description: 'the fields asked for with `fields` (all by default)',
    example: { country: 'RU', date: '2021-02-01', cases: 18359, deaths: 539, estimated: false, source: 'who' },
  });

export const dailyResponse = {
  description: 'the rows',
  content: {
    'application/json': { schema: z.object({ data: z.array(dailyRowSchema) }) },
    'text/csv': {
      schema: z.string().meta({ example: 'country,date,cases,deaths,estimated,source\r\nRU,2021-02-01,18359,539,false,who\r\n' }),
    },
    'application/x-ndjson': {
      schema: z.string().meta({ example: '{"country":"RU","date":"2021-02-01","cases":18359,"deaths":539,"estimated":false,"source":"who"}\n' }),
    },
  },
};
