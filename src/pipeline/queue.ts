// The PostgreSQL-backed job queue (pg-boss). One job is one task of a run. The task queue is a
// singleton queue (one active job across all workers) with a heartbeat, so a crashed worker's
// claim lapses within about two heartbeats and the job is retried elsewhere with backoff.
import { PgBoss, type Db } from 'pg-boss';
import type { Config } from '../platform/config.ts';
import type { PoolClient } from '../platform/postgres.ts';
import type { TaskName } from './dag.ts';

export const TASK_QUEUE = 'etl-task';
export const TASK_DEAD_QUEUE = 'etl-task-dead';
export const SCHEDULE_QUEUE = 'etl-schedule';

export interface TaskJob {
  runId: string;
  task: TaskName;
}

export function createBoss(config: Config, role: 'worker' | 'client'): PgBoss {
  return new PgBoss({
    connectionString: config.DATABASE_URL,
    schema: 'pgboss',
    application_name: `covid-etl-${role}`,
    max: role === 'worker' ? 4 : 1,
    // Only workers supervise (expire lapsed heartbeats) and run the cron clock.
    supervise: role === 'worker',
    schedule: role === 'worker',
    monitorIntervalSeconds: 15,
    // A task queued by the previous task wakes a worker at once instead of at its next poll.
    useListenNotify: role === 'worker',
    superviseIntervalSeconds: 15,
  });
}

export async function ensureQueues(boss: PgBoss, config: Config): Promise<void> {
  const heartbeatSeconds = Math.max(10, Math.floor(config.TASK_CLAIM_SECONDS / 2));
  const queues = [
    { name: TASK_DEAD_QUEUE, options: {} },
    {
      name: TASK_QUEUE,
      options: {
        policy: 'singleton',
        heartbeatSeconds,
        retryLimit: config.TASK_RETRIES,
        retryDelay: 2,
        retryBackoff: true,
        retryDelayMax: 60,
        expireInSeconds: 3_600,
        deadLetter: TASK_DEAD_QUEUE,
        notify: true,
      },
    },
    { name: SCHEDULE_QUEUE, options: { policy: 'stately', retryLimit: 3 } },
  ] as const;
  for (const { name, options } of queues) {
    if (!(await boss.getQueue(name))) {
      await boss.createQueue(name, options).catch(async (error: unknown) => {
        if (!(await boss.getQueue(name))) throw error; // else another worker created it first
      });
    } else if (Object.keys(options).length > 0) {
      // Keep retry and heartbeat settings in step with the configuration; a policy is fixed at creation.
      const { policy: _policy, ...changeable } = options as { policy?: string };
      await boss.updateQueue(name, changeable);
    }
  }
}

/** pg-boss statements run on our transaction's client, so a job is sent only if the transaction commits. */
export function inTransaction(client: PoolClient): Db {
  return { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
}

export async function sendTask(boss: PgBoss, job: TaskJob, client: PoolClient): Promise<void> {
  await boss.send(TASK_QUEUE, job, { db: inTransaction(client) });
}
