// Pipeline status: what shapes the data (fill policy, schedule and next run, each source's
// location), the last run with its tasks, the latest execution of every task, and per source how
// fresh its data is and whether it is stale. Errors leave here as codes and safe messages only.
import type { FillPolicy } from '../../domain/transform/types.ts';
import type { TimeSource } from '../../platform/clock.ts';
import type { PipelineStatusRepository, RunState, RunSummary, TaskExecution } from '../repositories/pipeline-status.repository.ts';
import type { DataService } from './data.service.ts';
import { safeError } from './safe-text.ts';
import { scheduleAt, type Schedule } from './schedule.ts';
import { sourceHealth, type SourceHealth, type SourceSetting } from './source-health.ts';

/** An error as key holders see it: `error` is the safe message, `errorCode` its code. */
export interface WithSafeError {
  error: string | null;
  errorCode: string | null;
}

export interface PipelineStatus {
  dataVersion: string;
  fillPolicy: FillPolicy;
  schedule: Schedule;
  lastRun: (RunSummary & WithSafeError & { tasks: (TaskExecution & WithSafeError)[] }) | null;
  lastFinishedRun: { id: number; state: RunState; finishedAt: string | null } | null;
  tasks: (TaskExecution & WithSafeError)[];
  sources: SourceHealth[];
}

export interface StatusSettings {
  fillPolicy: FillPolicy;
  schedule: string;
  sources: readonly SourceSetting[];
}

export interface StatusService {
  status(version: string): Promise<PipelineStatus>;
}

function withSafeError<T extends { error: string | null }>(item: T): T & WithSafeError {
  const safe = item.error === null ? null : safeError(item.error);
  return { ...item, error: safe?.message ?? null, errorCode: safe?.code ?? null };
}

export function createStatusService(
  pipeline: PipelineStatusRepository,
  data: Pick<DataService, 'freshness'>,
  settings: StatusSettings,
  clock: TimeSource,
): StatusService {
  return {
    async status(version) {
      const [last, finished, tasks, freshness] = await Promise.all([
        pipeline.lastRun(),
        pipeline.lastFinishedRun(),
        pipeline.lastExecutions(),
        data.freshness(version),
      ]);
      const now = clock.now();
      return {
        dataVersion: version,
        fillPolicy: settings.fillPolicy,
        schedule: scheduleAt(settings.schedule, new Date(now)),
        lastRun: last ? { ...withSafeError(last.run), tasks: last.tasks.map(withSafeError) } : null,
        lastFinishedRun: finished,
        tasks: tasks.map(withSafeError),
        sources: sourceHealth(settings.sources, freshness, now),
      };
    },
  };
}
