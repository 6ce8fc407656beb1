// What `covid-etl runs` shows: the runs in time order (oldest first, the newest last, next to
// the prompt), each followed by its tasks in the DAG's order. JSON uses the snake_case field
// names of the API's /v1/status runs.
import type { RunRow, TaskRow } from '../pipeline/runs.repository.ts';
import { formatCounts } from './format.ts';

function seconds(run: RunRow): number | null {
  return run.finished_at ? (run.finished_at.getTime() - run.started_at.getTime()) / 1000 : null;
}

/** Runs oldest first, whatever order they came in; tasks by position. */
function chronological(runs: readonly RunRow[], tasks: readonly TaskRow[]) {
  return [...runs]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((run) => ({ run, tasks: tasks.filter((t) => t.run_id === run.id).sort((a, b) => a.position - b.position) }));
}

export function runsJson(runs: readonly RunRow[], tasks: readonly TaskRow[]) {
  return {
    runs: chronological(runs, tasks).map(({ run, tasks: own }) => ({
      id: run.id,
      trigger: run.trigger,
      state: run.state,
      branch: run.branch,
      reload: run.reload,
      started_at: run.started_at.toISOString(),
      finished_at: run.finished_at?.toISOString() ?? null,
      seconds: seconds(run),
      error: run.error,
      tasks: own.map((t) => ({
        name: t.name,
        state: t.state,
        attempts: t.attempts,
        started_at: t.started_at?.toISOString() ?? null,
        finished_at: t.finished_at?.toISOString() ?? null,
        error: t.error,
        counts: t.counts,
      })),
    })),
  };
}

export function runsText(runs: readonly RunRow[], tasks: readonly TaskRow[]): string[] {
  const lines = [`${runs.length} most recent run${runs.length === 1 ? '' : 's'}, oldest first:`];
  for (const { run, tasks: own } of chronological(runs, tasks)) {
    const took = seconds(run);
    lines.push(
      `run ${run.id}  ${run.state}  ${run.trigger}${run.reload.length ? ` reload=${run.reload.join(',')}` : ''}  ${run.branch ?? '-'}  ${run.started_at.toISOString()}  ${took === null ? 'running' : `${took.toFixed(1)}s`}${run.error ? `  error: ${run.error}` : ''}`,
    );
    for (const task of own) {
      lines.push(`  ${task.name.padEnd(17)} ${task.state.padEnd(9)} attempts=${task.attempts}  ${formatCounts(task.counts)}${task.error ? `  error: ${task.error}` : ''}`);
    }
  }
  return lines;
}
