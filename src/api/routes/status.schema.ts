// The /v1/status answer: what shapes the data (fill policy, schedule, sources), the last run with
// its tasks, the latest execution of each task, and each source's freshness and staleness.
import { z } from 'zod';
import { FILL_POLICIES } from '../../domain/transform/types.ts';
import { RUN_STATES, RUN_TRIGGERS, TASK_STATES } from '../../domain/pipeline-run.ts';
import { dateSchema } from './common.schema.ts';

const errorFields = {
  error: z.string().nullable().meta({
    description: 'what went wrong, without credentials, file paths or internal addresses (the full text is in the worker log)',
  }),
  error_code: z.string().nullable().meta({ description: 'a stable code, e.g. SOURCE_TIMEOUT, QUALITY_GATE, SOURCE_LAYOUT', example: 'SOURCE_TIMEOUT' }),
};

export const taskSchema = z.object({
  run_id: z.int(),
  name: z.string().meta({ example: 'load_who_changes' }),
  position: z.int(),
  state: z.enum(TASK_STATES),
  attempts: z.int(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  ...errorFields,
  counts: z.record(z.string(), z.number()),
});

const freshnessSchema = z.object({
  source: z.string(),
  location: z.string().meta({ description: 'where the worker reads it: scheme, host and path only (of a local file, its name)' }),
  first_date: dateSchema.nullable().meta({ description: 'the earliest date this source has data for (null: no rows)' }),
  last_date: dateSchema.nullable().meta({ description: 'the latest date this source has data for (null: no rows)' }),
  rows: z.int().meta({ description: 'rows of this source over all countries (a row count, not days)' }),
  span_days: z.int().nullable().meta({ description: 'calendar days from first_date to last_date, both included' }),
  last_loaded_at: z.string().nullable().meta({
    description: 'when the newest row of this source reached ClickHouse: the last time it brought anything new (null if not recorded)',
  }),
  stale_after_days: z.int().meta({ description: 'SOURCE_<NAME>_STALE_DAYS; 0 = never stale' }),
  stale: z.boolean().meta({ description: 'nothing new for longer than stale_after_days (also covid_etl_source_stale in /metrics)' }),
});

export const statusSchema = z
  .object({
    data_version: z.string().meta({ description: 'the same token the data ETags start with' }),
    fill_policy: z.enum(FILL_POLICIES).meta({ description: 'FILL_POLICY: how missing values inside a reported period are filled (docs/data.md)' }),
    schedule: z.object({
      cron: z.string().meta({ example: '0 3 * * *' }),
      timezone: z.literal('UTC'),
      next_run_at: z.string().nullable().meta({ description: 'when the next scheduled run starts' }),
    }),
    last_run: z
      .object({
        id: z.int(),
        trigger: z.enum(RUN_TRIGGERS),
        state: z.enum(RUN_STATES),
        branch: z.string().nullable(),
        started_at: z.string(),
        finished_at: z.string().nullable(),
        ...errorFields,
        tasks: z.array(taskSchema),
      })
      .nullable(),
    last_finished_run: z
      .object({ id: z.int(), state: z.enum(RUN_STATES), finished_at: z.string().nullable() })
      .nullable()
      .meta({ description: 'the latest run that is over (also covid_etl_pipeline_last_run_failed in /metrics)' }),
    tasks: z.array(taskSchema).meta({ description: 'the latest execution of each task that ran at least once' }),
    freshness: z.array(freshnessSchema).meta({ description: 'every configured source, loaded or not' }),
  })
  .meta({ id: 'PipelineStatus' });
