// covid-etl run [--wait] [--reload <source|all>]: starts a run (or joins the active one); with
// --wait, follows it and exits 0 only if it succeeded. Progress rewrites one line on a terminal,
// plain lines otherwise. A reload run reprocesses the sources' whole history and publishes what
// changed; it is never joined: with a run active, it starts when that run has ended.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../platform/config.ts';
import { createPool } from '../platform/postgres.ts';
import { createBoss, ensureQueues } from '../pipeline/queue.ts';
import { startRun } from '../pipeline/runner.ts';
import { getRun, listTasks, runCounts } from '../pipeline/runs.repository.ts';
import { formatCounts } from './format.ts';
import { parseReloadOption } from './reload-option.ts';

export async function runRun(config: Config, options: { wait: boolean; reload?: string | boolean | undefined }): Promise<number> {
  const reload = parseReloadOption(options.reload);
  if ('error' in reload) {
    console.error(`covid-etl run: ${reload.error}`);
    return 2;
  }
  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName: 'covid-etl-cli' });
  const boss = createBoss(config, 'client');
  try {
    await boss.start();
    await ensureQueues(boss, config);
    let { run, created } = await startRun({ pool, boss }, 'manual', reload.sources);
    while (!created && reload.sources.length > 0) {
      console.log(`run ${run.id} is active; the reload of ${reload.sources.join(', ')} starts when it has ended`);
      await untilEnded(pool, run.id);
      ({ run, created } = await startRun({ pool, boss }, 'manual', reload.sources));
    }
    const what = reload.sources.length ? ` (reload: ${reload.sources.join(', ')})` : '';
    console.log(created ? `run ${run.id} started${what}` : `run ${run.id} is already active; following it`);
    if (!options.wait) return 0;
    return await follow(pool, run.id);
  } finally {
    await boss.stop({ graceful: false, timeout: 1_000 }).catch(() => {});
    await pool.end();
  }
}

async function untilEnded(pool: ReturnType<typeof createPool>, runId: string): Promise<void> {
  while ((await getRun(pool, runId))?.state === 'running') await sleep(1_000);
}

/**
 * How often --wait reads the run: two small queries, and the most a run's end waits to be seen
 * (it was 1 s: half a second on average added to every `run --wait`, docs/benchmarks.md).
 */
const FOLLOW_MS = 200;

async function follow(pool: ReturnType<typeof createPool>, runId: string): Promise<number> {
  const tty = process.stdout.isTTY;
  let last = '';
  for (;;) {
    const run = await getRun(pool, runId);
    if (!run) throw new Error(`run ${runId} disappeared`);
    const tasks = await listTasks(pool, [runId]);
    const line = tasks
      .filter((t) => t.state !== 'skipped')
      .map((t) => `${t.name}:${t.state}${t.attempts > 1 ? `(${t.attempts})` : ''}`)
      .join(' ');
    if (line !== last) {
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else console.log(line);
      last = line;
    }
    if (run.state !== 'running') {
      if (tty) process.stdout.write('\n');
      const counts = await runCounts(pool, runId);
      console.log(`run ${runId} ${run.state}${run.error ? `: ${run.error}` : ''}`);
      console.log(formatCounts(counts));
      return run.state === 'succeeded' ? 0 : 1;
    }
    await sleep(FOLLOW_MS);
  }
}
