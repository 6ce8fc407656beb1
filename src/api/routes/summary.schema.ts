// The /summary answer (SPEC 6), shared by /summary and /v1/countries/{country}/summary.
import { z } from 'zod';

const extreme = z.object({ time: z.string().meta({ format: 'date' }), value: z.int() });
const trends = z.object({
  last_6_months: z.number().nullable().meta({ description: 'slope per day over the last 180 days' }),
  last_year: z.number().nullable().meta({ description: 'slope per day over the last 365 days' }),
  last_2_years: z.number().nullable().meta({ description: 'slope per day over the last 730 days' }),
});

export const summarySchema = z
  .object({
    max_cases: extreme,
    min_cases: extreme,
    max_deaths: extreme,
    min_deaths: extreme,
    mean: z.object({ cases: z.number(), deaths: z.number() }),
    trends: z.object({ cases: trends, deaths: trends }),
  })
  .meta({
    id: 'Summary',
    example: {
      max_cases: { time: '2022-02-11', value: 203949 },
      min_cases: { time: '2020-01-03', value: 0 },
      max_deaths: { time: '2021-11-19', value: 1254 },
      min_deaths: { time: '2020-01-03', value: 0 },
      mean: { cases: 19126.4, deaths: 330.2 },
      trends: {
        cases: { last_6_months: -12.5, last_year: -3.1, last_2_years: -40.2 },
        deaths: { last_6_months: -0.05, last_year: -0.02, last_2_years: -0.6 },
      },
    },
  });
