// Run orchestration against real PostgreSQL: one active run whatever the number of starters,
// fencing of task claims, and the DAG walked by executeTask with the real job queue.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/platform/clock.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { createPool, withTransaction, type Pool } from '../../../src/platform/postgres.ts';
import { createBoss, ensureQueues } from '../../../src/pipeline/queue.ts';
import { PublishedWriter } from '../../../src/pipeline/published-writer.ts';
import { executeTask, startRun, type RunnerDeps, type TaskAttempt, type TaskResult } from '../../../src/pipeline/runner.ts';
import {
  claimTask,
  completeTask,
  createOrJoinRun,
  getRun,
  listTasks,
  StaleClaimError,
} from '../../../src/pipeline/runs.repository.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';

describe('pipeline runs', () => {
  let env: TestEnvironment;
  let pool: Pool;
  before(async () => {
    env = await createTestEnvironment();
    pool = createPool(env.config.DATABASE_URL, { max: 12 });
  });
  after(async () => {
    await pool.end();
    await env.cleanup();
  });

  /** Runs `work` with the runner's dependencies over a started job-queue client, stopped afterwards. */
  async function withRunner(work: (deps: RunnerDeps) => Promise<void>): Promise<void> {
    const boss = createBoss(env.config, 'client');
    await boss.start();
    try {
      await work({ pool, boss, logger: createLogger('silent', 'test'), clock: systemClock });
    } finally {
      await boss.stop({ graceful: false });
    }
  }

  it('ten concurrent starters make one run; the others join it', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => withTransaction(pool, (client) => createOrJoinRun(client, 'manual'))),
    );
    const ids = new Set(results.map((r) => r.run.id));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM etl_runs WHERE state = 'running'`);
    assert.equal(rows[0]?.n, 1);
    await pool.query(`UPDATE etl_runs SET state = 'failed'`);
  });

  it('joining the active run sends no statement that fails (nothing for PostgreSQL to log as an error)', async () => {
    const { run } = await withTransaction(pool, (client) => createOrJoinRun(client, 'manual'));
    const failed: string[] = [];
    const joined = await withTransaction(pool, (client) => {
      // Every statement the join sends, and the errors PostgreSQL answered (each would be an
      // ERROR line in its log, e.g. duplicate key value violates "etl_runs_one_active").
      const watched = new Proxy(client, {
        get: (target, key, receiver) =>
          key === 'query'
            ? (...args: Parameters<typeof client.query>) =>
                (target.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: Error) => {
                  failed.push(error.message);
                  throw error;
                })
            : (Reflect.get(target, key, receiver) as unknown),
      });
      return createOrJoinRun(watched, 'schedule');
    });
    assert.deepEqual({ id: joined.run.id, created: joined.created }, { id: run.id, created: false });
    assert.deepEqual(failed, []);
    await pool.query(`UPDATE etl_runs SET state = 'failed'`);
  });

  it('a stale claim cannot complete a newer attempt', async () => {
    const { run } = await withTransaction(pool, (client) => createOrJoinRun(client, 'manual'));
    const stale = await claimTask(pool, run.id, 'check_history');
    const fresh = await claimTask(pool, run.id, 'check_history');
    assert.ok(stale && fresh);
    assert.equal(fresh.attempt, stale.attempt + 1);
    await assert.rejects(
      withTransaction(pool, (client) => completeTask(client, stale, { counts: { read: 1 } })),
      StaleClaimError,
    );
    await withTransaction(pool, (client) => completeTask(client, fresh, { counts: { read: 2 } }));
    const [task] = (await listTasks(pool, [run.id])).filter((t) => t.name === 'check_history');
    assert.equal(task?.state, 'succeeded');
    assert.deepEqual(task?.counts, { read: 2 });
    await pool.query(`UPDATE etl_runs SET state = 'failed'`);
  });

  it('executeTask walks the DAG through the job queue, skipping the branch not taken', async () => {
    await withRunner(async (deps) => {
      await ensureQueues(deps.boss, env.config);
      const { run } = await startRun(deps, 'manual');
      const executed: string[] = [];
      for (let i = 0; i < 10; i++) {
        const [job] = await deps.boss.fetch<{ runId: string; task: string }>('etl-task');
        if (!job) break;
        const task = job.data.task as 'check_history';
        executed.push(task);
        await executeTask(deps, { runId: run.id, task, final: true, signal: new AbortController().signal }, () =>
          Promise.resolve({
            counts: { published: 0 },
            skip: task === 'check_history' ? ['load_who_changes', 'load_new_weeks'] : [],
          }),
        );
        await deps.boss.complete('etl-task', job.id);
      }
      assert.deepEqual(executed, ['check_history', 'load_ecdc_2020', 'load_who', 'check_sources', 'verify']);
      assert.equal((await getRun(pool, run.id))?.state, 'succeeded');
      const states = Object.fromEntries((await listTasks(pool, [run.id])).map((t) => [t.name, t.state]));
      assert.equal(states.load_new_weeks, 'skipped');
      assert.equal(states.verify, 'succeeded');
    });
  });

  it('a final failure fails the task and the run; a non-final one leaves it pending for the retry', async () => {
    await withRunner(async (deps) => {
      const { run } = await startRun(deps, 'manual');
      const failing = () => Promise.reject(new Error('source answered 500'));
      const signal = new AbortController().signal;
      await assert.rejects(executeTask(deps, { runId: run.id, task: 'check_history', final: false, signal }, failing));
      let [task] = await listTasks(pool, [run.id]);
      assert.equal(task?.state, 'pending');
      assert.equal((await getRun(pool, run.id))?.state, 'running');
      await assert.rejects(executeTask(deps, { runId: run.id, task: 'check_history', final: true, signal }, failing));
      [task] = await listTasks(pool, [run.id]);
      assert.equal(task?.state, 'failed');
      assert.equal(task?.attempts, 2);
      const finished = await getRun(pool, run.id);
      assert.equal(finished?.state, 'failed');
      assert.match(finished?.error ?? '', /check_history: source answered 500/);
    });
  });

  it('what an attempt recorded in its completion transaction lands only if that attempt completes: not when it fails, not when it lost its claim', async () => {
    await withRunner(async (deps) => {
      const { run } = await startRun(deps, 'manual');
      const signal = new AbortController().signal;
      const published = (runId: string) => pool.query<{ n: number }>('SELECT count(*)::int AS n FROM etl_published WHERE run_id = $1', [runId]).then((r) => r.rows[0]?.n);
      const record = (date: string) => ({ country: 'RU', date, cases: 5, deaths: 1, source: 'who' as const, estimated: false, estimated_cases: false, estimated_deaths: false });
      const recording = (then: (attempt: TaskAttempt) => Promise<TaskResult>) => async (attempt: TaskAttempt) => {
        const writer = await PublishedWriter.open(await attempt.transaction(), attempt.runId, 'who');
        await writer.add([record('2021-03-01'), record('2021-03-02')]);
        await writer.finish();
        return then(attempt);
      };

      // A failed attempt (Kafka failed after some records were recorded): rolled back.
      await assert.rejects(
        executeTask(deps, { runId: run.id, task: 'check_history', final: false, signal }, recording(() => Promise.reject(new Error('Kafka send failed')))),
        /Kafka send failed/,
      );
      assert.equal(await published(run.id), 0);

      // A stale attempt: its claim is taken over (a new attempt claimed the task) before it completes.
      await assert.rejects(
        executeTask(deps, { runId: run.id, task: 'check_history', final: false, signal }, recording(async () => {
          assert.ok(await claimTask(pool, run.id, 'check_history'), 'the newer attempt claims the task');
          return { counts: { published: 2 } };
        })),
        StaleClaimError,
      );
      assert.equal(await published(run.id), 0, "the stale attempt's records are not recorded");
      assert.equal((await listTasks(pool, [run.id]))[0]?.state, 'running', 'the newer attempt still holds the task');

      // The current attempt records the same keys (nothing of the others holds them) and completes.
      await executeTask(deps, { runId: run.id, task: 'check_history', final: true, signal }, recording(() => Promise.resolve({ counts: { published: 2 } })));
      assert.equal(await published(run.id), 2);
      const [task] = await listTasks(pool, [run.id]);
      assert.equal(task?.state, 'succeeded');
      assert.ok(task.finished_at! >= task.started_at!, 'finished_at is the completion time, not the start of its long transaction');
      await pool.query(`UPDATE etl_runs SET state = 'failed'`);
    });
  });
});
