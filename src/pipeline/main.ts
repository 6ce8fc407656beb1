// The pipeline worker: registers the task handler, the dead-letter handler and the cron
// schedule on the clients of its composition root (container.ts), and on its first start runs
// the pipeline at once. SIGTERM stops taking jobs, lets the current one finish, then closes.
import type { Job, JobWithMetadata } from 'pg-boss';
import type { Config } from '../platform/config.ts';
import { onShutdownSignal } from '../platform/lifecycle.ts';
import { createLogger } from '../platform/logger.ts';
import { withTransaction } from '../platform/postgres.ts';
import { createWorkerContainer } from './container.ts';
import { isTaskName } from './dag.ts';
import { SCHEDULE_QUEUE, TASK_DEAD_QUEUE, TASK_QUEUE, type TaskJob } from './queue.ts';
import { executeTask, startRun } from './runner.ts';
import { abandonTask, activeRun, finishRun, listRuns } from './runs.repository.ts';

export async function runWorker(config: Config): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const { resources, pool, boss, clock, tasks, health } = await createWorkerContainer(config, logger);
  // A completion transaction idle for as long as a claim lasts belongs to a frozen (stale) attempt.
  const deps = { pool, boss, logger, clock, transactionIdleMs: config.TASK_CLAIM_SECONDS * 1000 };

  // NOTIFY wakes a worker for a task queued by the previous one, but not when a retry's delay
  // (2 s doubling) or a lapsed heartbeat makes a job runnable later: only the backstop poll sees
  // those, so it stays short (its default, 30 s, would stretch every task retry to ~30 s).
  await boss.work(TASK_QUEUE, { includeMetadata: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 1 } as const, async ([job]: JobWithMetadata<TaskJob>[]) => {
    if (!job || !isTaskName(job.data.task)) throw new Error(`malformed task job: ${JSON.stringify(job?.data)}`);
    await executeTask(
      deps,
      { runId: job.data.runId, task: job.data.task, final: job.retryCount >= job.retryLimit, signal: job.signal },
      tasks[job.data.task],
    );
  });
  // A job that exhausted its retries without a live handler (its worker died every time)
  // lands here: the run must not stay 'running' forever.
  await boss.work<TaskJob>(TASK_DEAD_QUEUE, async ([job]: Job<TaskJob>[]) => {
    if (!job) return;
    const error = 'retries exhausted (worker lost)';
    await withTransaction(pool, async (client) => {
      await abandonTask(client, job.data.runId, job.data.task, error);
      await finishRun(client, job.data.runId, 'failed', `${job.data.task}: ${error}`);
    });
  });
  await boss.work(SCHEDULE_QUEUE, async () => {
    const { run, created } = await startRun(deps, 'schedule');
    logger.info({ runId: run.id, created }, created ? 'scheduled run started' : 'scheduled run joined the active run');
  });
  await boss.schedule(SCHEDULE_QUEUE, config.ETL_SCHEDULE, null, { tz: 'UTC' });

  // First start: nothing has run yet, so run now rather than waiting for the schedule.
  if ((await listRuns(pool, 1)).length === 0 && !(await activeRun(pool))) {
    const { run } = await startRun(deps, 'startup');
    logger.info({ runId: run.id }, 'first start: pipeline run started');
  }
  health.markStarted();
  logger.info({ schedule: config.ETL_SCHEDULE }, 'worker ready');

  return new Promise<number>((resolve) => {
    onShutdownSignal(async () => {
      await resources.close(logger);
      resolve(0);
    }, logger);
  });
}
