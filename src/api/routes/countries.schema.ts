// The /v1/countries answer: every country with data, its first and last date and sources.
import { z } from 'zod';
import { dateSchema, sourceSchema } from './common.schema.ts';

export const coverageSchema = z
  .object({
    country: z.string().meta({ example: 'RU' }),
    first_date: dateSchema,
    last_date: dateSchema,
    days: z.int().meta({ description: 'days with a row' }),
    sources: z.array(sourceSchema),
  })
  .meta({ id: 'CountryCoverage' });

export const countriesSchema = z.object({ countries: z.array(coverageSchema) });
