// Pipeline status: the last run with its tasks, the latest execution of every task, and how
// fresh the data of each source is (its latest date, and when its newest row landed).
import type { SourceFreshness } from '../repositories/daily.repository.ts';
import type { PipelineStatusRepository, RunSummary, TaskExecution } from '../repositories/pipeline-status.repository.ts';
import type { DataService } from './data.service.ts';

export interface PipelineStatus {
  dataVersion: string;
  lastRun: (RunSummary & { tasks: TaskExecution[] }) | null;
  tasks: TaskExecution[];
  freshness: SourceFreshness[];
}

export interface StatusService {
  status(version: string): Promise<PipelineStatus>;
}

export function createStatusService(pipeline: PipelineStatusRepository, data: Pick<DataService, 'freshness'>): StatusService {
  return {
    async status(version) {
      const [last, tasks, freshness] = await Promise.all([pipeline.lastRun(), pipeline.lastExecutions(), data.freshness(version)]);
      return { dataVersion: version, lastRun: last ? { ...last.run, tasks: last.tasks } : null, tasks, freshness };
    },
  };
}
