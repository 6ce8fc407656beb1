// The status service's answer, in the snake_case shape of status.schema.ts.
import type { z } from 'zod';
import type { TaskExecution } from '../repositories/pipeline-status.repository.ts';
import type { PipelineStatus } from '../services/status.service.ts';
import type { statusSchema, taskSchema } from './status.schema.ts';

function toTaskJson(t: TaskExecution): z.infer<typeof taskSchema> {
  return {
    run_id: t.runId,
    name: t.name,
    position: t.position,
    state: t.state,
    attempts: t.attempts,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
    error: t.error,
    counts: t.counts,
  };
}

export function toStatusJson(status: PipelineStatus): z.infer<typeof statusSchema> {
  const run = status.lastRun;
  return {
    data_version: status.dataVersion,
    last_run: run && {
      id: run.id,
      trigger: run.trigger,
      state: run.state,
      branch: run.branch,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      error: run.error,
      tasks: run.tasks.map(toTaskJson),
    },
    tasks: status.tasks.map(toTaskJson),
    freshness: status.freshness.map((f) => ({ source: f.source, last_date: f.lastDate, days: f.days, last_loaded_at: f.lastInsertedAt })),
  };
}
