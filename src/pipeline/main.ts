// Composition root of the pipeline worker: opens PostgreSQL, pg-boss, the Kafka producer and
// ClickHouse, registers the task handler and the cron schedule, and on its first start runs
// the pipeline at once. SIGTERM stops taking jobs, lets the current one finish, then closes.
import type { Job, JobWithMetadata } from 'pg-boss';
import type { Config } from '../platform/config.ts';
import { createClickHouse } from '../platform/clickhouse.ts';
import { createProducer } from '../platform/kafka.ts';
import { Resources, onShutdownSignal } from '../platform/lifecycle.ts';
import { createLogger } from '../platform/logger.ts';
import { createPool, withTransaction } from '../platform/postgres.ts';
import { isTaskName } from './dag.ts';
import { createBoss, ensureQueues, SCHEDULE_QUEUE, TASK_DEAD_QUEUE, TASK_QUEUE, type TaskJob } from './queue.ts';
import { executeTask, startRun } from './runner.ts';
import { abandonTask, activeRun, finishRun, listRuns } from './runs.repository.ts';
import { startWorkerHealth } from './health.ts';
import { createTasks } from './tasks/index.ts';

export async function runWorker(config: Config): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const resources = new Resources();
  const pool = resources.add('postgres', createPool(config.DATABASE_URL, { applicationName: 'covid-etl-worker' }), (p) => p.end());
  const clickhouse = resources.add('clickhouse', createClickHouse({ url: config.CLICKHOUSE_URL, database: config.CLICKHOUSE_DATABASE }), (c) => c.close());
  const producer = resources.add('kafka producer', createProducer(config.KAFKA_BROKERS, `covid-etl-worker-${process.pid}`), (p) => p.close());
  const health = await startWorkerHealth(config, { pool, producer, clickhouse, logger });
  resources.add('health server', health.server, (server) => server.close());
  const boss = createBoss(config, 'worker');
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  resources.add('job queue', boss, (b) => b.stop({ graceful: true, timeout: 30_000 }));
  await ensureQueues(boss, config);

  const tasks = createTasks({ config, pool, clickhouse, producer });
  const deps = { pool, boss, logger };

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
