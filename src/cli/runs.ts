// covid-etl runs [--limit N] [--json]: the most recent runs and their tasks (runs-view.ts).
import type { Config } from '../platform/config.ts';
import { createPool } from '../platform/postgres.ts';
import { listRuns, listTasks } from '../pipeline/runs.repository.ts';
import { runsJson, runsText } from './runs-view.ts';

export async function runRuns(config: Config, options: { limit: string | boolean | undefined; json: boolean }): Promise<number> {
  const limit = options.limit === undefined ? 10 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    console.error('covid-etl runs: --limit must be an integer from 1 to 1000');
    return 2;
  }
  const pool = createPool(config.DATABASE_URL, { max: 1, applicationName: 'covid-etl-cli' });
  try {
    const runs = await listRuns(pool, limit);
    const tasks = runs.length ? await listTasks(pool, runs.map((r) => r.id)) : [];
    if (options.json) console.log(JSON.stringify(runsJson(runs, tasks), null, 2));
    else if (runs.length === 0) console.log('no runs yet');
    else for (const line of runsText(runs, tasks)) console.log(line);
    return 0;
  } finally {
    await pool.end();
  }
}
