// The status service's answer, in the snake_case shape of status.schema.ts.
import type { z } from 'zod';
import type { TaskExecution } from '../repositories/pipeline-status.repository.ts';
import type { PipelineStatus, WithSafeError } from '../services/status.service.ts';
import type { statusSchema, taskSchema } from './status.schema.ts';

function toTaskJson(t: TaskExecution & WithSafeError): z.infer<typeof taskSchema> {
  return {
    run_id: t.runId,
    name: t.name,
    position: t.position,
    state: t.state,
    attempts: t.attempts,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
    error: t.error,
    error_code: t.errorCode,
    counts: t.counts,
  };
}

export function toStatusJson(status: PipelineStatus): z.infer<typeof statusSchema> {
  const run = status.lastRun;
  const finished = status.lastFinishedRun;
  return {
    data_version: status.dataVersion,
    fill_policy: status.fillPolicy,
    schedule: { cron: status.schedule.cron, timezone: status.schedule.timezone, next_run_at: status.schedule.nextRunAt },
    last_run: run && {
      id: run.id,
      trigger: run.trigger,
      state: run.state,
      branch: run.branch,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      error: run.error,
      error_code: run.errorCode,
      tasks: run.tasks.map(toTaskJson),
    },
    last_finished_run: finished && { id: finished.id, state: finished.state, finished_at: finished.finishedAt },
    tasks: status.tasks.map(toTaskJson),
    freshness: status.sources.map((s) => ({
      source: s.source,
      location: s.location,
      first_date: s.firstDate,
      last_date: s.lastDate,
      rows: s.rows,
      span_days: s.spanDays,
      last_loaded_at: s.lastNewDataAt,
      stale_after_days: s.staleAfterDays,
      stale: s.stale,
    })),
  };
}
