// The worker's composition root: builds its clients from the configuration, each registered for
// release in reverse order (the job queue first, so the current job finishes before the clients
// it uses close), and the task implementations over them.
import type { PgBoss } from 'pg-boss';
import type { Config } from '../platform/config.ts';
import { createClickHouse } from '../platform/clickhouse.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { createProducer } from '../platform/kafka-producer.ts';
import { Resources } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, type Pool } from '../platform/postgres.ts';
import type { TaskName } from './dag.ts';
import { startWorkerHealth } from './health.ts';
import { createBoss, ensureQueues } from './queue.ts';
import type { TaskImplementation } from './runner.ts';
import { createTasks } from './tasks/index.ts';

export interface WorkerContainer {
  resources: Resources;
  pool: Pool;
  /** Started, with its queues created. */
  boss: PgBoss;
  clock: Clock;
  tasks: Record<TaskName, TaskImplementation>;
  health: Awaited<ReturnType<typeof startWorkerHealth>>;
}

export async function createWorkerContainer(config: Config, logger: Logger): Promise<WorkerContainer> {
  const resources = new Resources();
  try {
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
    const tasks = createTasks({ config, pool, clickhouse, producer, clock: systemClock });
    return { resources, pool, boss, clock: systemClock, tasks, health };
  } catch (error) {
    await resources.close(logger);
    throw error;
  }
}
