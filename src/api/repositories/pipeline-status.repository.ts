// Pipeline history as the worker records it in PostgreSQL (migrations/postgres/002_pipeline.sql),
// read-only. The API never imports the pipeline: the tables are the contract.
import type { RunState, RunTrigger, TaskState } from '../../domain/pipeline-run.ts';
import type { Pool } from '../../platform/postgres.ts';
import { timedQuery } from './pg-query.ts';
import { guarded } from './store-errors.ts';

export type { RunState, RunTrigger, TaskState };

export interface RunSummary {
  id: number;
  trigger: RunTrigger;
  state: RunState;
  branch: string | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface TaskExecution {
  runId: number;
  name: string;
  position: number;
  state: TaskState;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  counts: Record<string, number>;
}

export interface PipelineStatusRepository {
  lastRun(): Promise<{ run: RunSummary; tasks: TaskExecution[] } | null>;
  /** The latest execution of each task that ran at all (pending and skipped ones do not count). */
  lastExecutions(): Promise<TaskExecution[]>;
  /** The latest run that is over (succeeded, failed or incomplete). */
  lastFinishedRun(): Promise<{ id: number; state: RunState; finishedAt: string | null } | null>;
}

interface TaskRow {
  run_id: string;
  name: string;
  position: number;
  state: TaskState;
  attempts: number;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  counts: Record<string, number>;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

const toTask = (row: TaskRow): TaskExecution => ({
  runId: Number(row.run_id),
  name: row.name,
  position: row.position,
  state: row.state,
  attempts: row.attempts,
  startedAt: iso(row.started_at),
  finishedAt: iso(row.finished_at),
  error: row.error,
  counts: row.counts,
});

const TASK_COLUMNS = 'run_id, name, position, state, attempts, started_at, finished_at, error, counts';

export function createPipelineStatusRepository(pool: Pool, queryTimeoutMs: number): PipelineStatusRepository {
  const query = <R extends object>(text: string, values: unknown[] = []) =>
    guarded('postgres', async () => (await pool.query<R>(timedQuery(text, values, queryTimeoutMs))).rows);

  return {
    async lastRun() {
      const [run] = await query<{
        id: string;
        trigger: RunTrigger;
        state: RunState;
        branch: string | null;
        started_at: Date;
        finished_at: Date | null;
        error: string | null;
      }>('SELECT id, trigger, state, branch, started_at, finished_at, error FROM etl_runs ORDER BY id DESC LIMIT 1');
      if (!run) return null;
      const tasks = await query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM etl_tasks WHERE run_id = $1 ORDER BY position`, [run.id]);
      return {
        run: {
          id: Number(run.id),
          trigger: run.trigger,
          state: run.state,
          branch: run.branch,
          startedAt: run.started_at.toISOString(),
          finishedAt: iso(run.finished_at),
          error: run.error,
        },
        tasks: tasks.map(toTask),
      };
    },

    async lastFinishedRun() {
      const [run] = await query<{ id: string; state: RunState; finished_at: Date | null }>(
        "SELECT id, state, finished_at FROM etl_runs WHERE state <> 'running' ORDER BY id DESC LIMIT 1",
      );
      return run ? { id: Number(run.id), state: run.state, finishedAt: iso(run.finished_at) } : null;
    },

    async lastExecutions() {
      const rows = await query<TaskRow>(
        `SELECT * FROM (
           SELECT DISTINCT ON (name) ${TASK_COLUMNS} FROM etl_tasks
           WHERE state NOT IN ('pending', 'skipped') ORDER BY name, run_id DESC
         ) AS latest ORDER BY position`,
      );
      return rows.map(toTask);
    },
  };
}
