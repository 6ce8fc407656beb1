// covid-etl runs [--limit N]: recent runs and their tasks, newest first.
import type { Config } from '../platform/config.ts';
import { createPool } from '../platform/postgres.ts';
import { listRuns, listTasks } from '../pipeline/runs.repository.ts';
import { formatCounts } from './format.ts';

export async function runRuns(config: Config, options: { limit: string | boolean | undefined }): Promise<number> {
  const limit = options.limit === undefined ? 10 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    console.error('covid-etl runs: --limit must be an integer from 1 to 1000');
    return 2;
  }
  const pool = createPool(config.DATABASE_URL, { max: 1, applicationName: 'covid-etl-cli' });
  try {
    const runs = await listRuns(pool, limit);
    if (runs.length === 0) {
      console.log('no runs yet');
      return 0;
    }
    const tasks = await listTasks(pool, runs.map((r) => r.id));
    for (const run of runs) {
      const took = run.finished_at ? `${((run.finished_at.getTime() - run.started_at.getTime()) / 1000).toFixed(1)}s` : 'running';
      console.log(`run ${run.id}  ${run.state}  ${run.trigger}  ${run.branch ?? '-'}  ${run.started_at.toISOString()}  ${took}${run.error ? `  error: ${run.error}` : ''}`);
      for (const task of tasks.filter((t) => t.run_id === run.id)) {
        console.log(`  ${task.name.padEnd(17)} ${task.state.padEnd(9)} attempts=${task.attempts}  ${formatCounts(task.counts)}${task.error ? `  error: ${task.error}` : ''}`);
      }
    }
    return 0;
  } finally {
    await pool.end();
  }
}
