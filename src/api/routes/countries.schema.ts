// The /v1/countries answer: every country with data, its name and WHO region, its first and last date, how complete its
// series is, and the dates each source stands for.
import { z } from 'zod';
import { WHO_REGIONS } from '../../domain/regions.ts';
import { dateSchema, sourceSchema } from './common.schema.ts';

const sourceRangeSchema = z.object({
  source: sourceSchema,
  first_date: dateSchema,
  last_date: dateSchema,
  days: z.int().meta({ description: 'days with a row of this source' }),
});

export const coverageSchema = z
  .object({
    country: z.string().meta({ example: 'RU' }),
    name: z.string().meta({ description: 'English short name (CLDR)', example: 'Russia' }),
    region: z.enum(WHO_REGIONS).nullable().meta({
      description: "the WHO region of the country's latest WHO row; null when WHO gives none or has no row for it (it counts for WORLD only)",
      example: 'EUR',
    }),
    first_date: dateSchema,
    last_date: dateSchema,
    days: z.int().meta({ description: 'days with a row' }),
    missing_days: z.int().meta({
      description:
        'calendar days between first_date and last_date (both included) without a row: gaps in the series, where a ' +
        'rolling mean over rows would mix days that are not consecutive (docs/data.md, "Gaps")',
    }),
    sources: z.array(sourceSchema),
    source_ranges: z.array(sourceRangeSchema).meta({ description: 'per source, the dates it stands for, in order' }),
  })
  .meta({
    id: 'CountryCoverage',
    example: {
      country: 'RU',
      name: 'Russia',
      region: 'EUR',
      first_date: '2019-12-30',
      last_date: '2024-01-07',
      days: 1400,
      missing_days: 70,
      sources: ['ecdc', 'stopcoronavirus', 'who'],
      source_ranges: [
        { source: 'ecdc', first_date: '2019-12-30', last_date: '2020-12-13', days: 350 },
        { source: 'who', first_date: '2020-12-14', last_date: '2023-11-26', days: 1043 },
        { source: 'stopcoronavirus', first_date: '2024-01-01', last_date: '2024-01-07', days: 7 },
      ],
    },
  });

export const countriesSchema = z.object({ countries: z.array(coverageSchema) });
