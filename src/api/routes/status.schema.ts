// The /v1/status answer: the last run with its tasks, the latest execution of each task, and
// each source's freshness.
import { z } from 'zod';
import { RUN_STATES, RUN_TRIGGERS, TASK_STATES } from '../../domain/pipeline-run.ts';
import { dateSchema } from './common.schema.ts';

export const taskSchema = z.object({
  run_id: z.int(),
  name: z.string().meta({ example: 'load_who_changes' }),
  position: z.int(),
  state: z.enum(TASK_STATES),
  attempts: z.int(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  error: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
});

export const statusSchema = z
  .object({
    data_version: z.string().meta({ description: 'the same token the data ETags start with' }),
    last_run: z
      .object({
        id: z.int(),
        trigger: z.enum(RUN_TRIGGERS),
        state: z.enum(RUN_STATES),
        branch: z.string().nullable(),
        started_at: z.string(),
        finished_at: z.string().nullable(),
        error: z.string().nullable(),
        tasks: z.array(taskSchema),
      })
      .nullable(),
    tasks: z.array(taskSchema).meta({ description: 'the latest execution of each task that ran at least once' }),
    freshness: z.array(
      z.object({
        source: z.string(),
        last_date: dateSchema.meta({ description: 'the latest date this source has data for' }),
        days: z.int(),
        last_loaded_at: z.string().nullable().meta({ description: 'when the newest row of this source reached ClickHouse (null if not recorded)' }),
      }),
    ),
  })
  .meta({ id: 'PipelineStatus' });
