// Run and task history in PostgreSQL, with fencing: a task is claimed with a fresh token, and
// only the holder of the current token can finish it, so a stale worker (one whose claim
// lapsed and was retried elsewhere) can never complete a newer attempt.
import { randomUUID } from 'node:crypto';
import type { RunState, RunTrigger, TaskState } from '../domain/pipeline-run.ts';
import type { SourceName } from '../domain/record.ts';
import type { Pool, PoolClient } from '../platform/postgres.ts';
import { TASKS, type TaskCounts, type TaskName } from './dag.ts';

export type { RunState, RunTrigger, TaskState };

/**
 * An etl_tasks row as the worker reads it. The API reads the same table through a row type of
 * its own (api/repositories/pipeline-status.repository.ts): the roles never import each other,
 * and each reads only the columns it needs.
 */
export interface TaskRow {
  run_id: string;
  name: TaskName;
  position: number;
  state: TaskState;
  attempts: number;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  counts: TaskCounts;
  gate: unknown;
}

export interface RunRow {
  id: string;
  trigger: RunTrigger;
  state: RunState;
  branch: string | null;
  /** Sources this run reprocesses from their whole history (`run --reload`); empty otherwise. */
  reload: SourceName[];
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

export interface Claim {
  runId: string;
  task: TaskName;
  token: string;
  attempt: number;
  /** The run's reloaded sources. */
  reload: SourceName[];
}

export class StaleClaimError extends Error {
  override name = 'StaleClaimError';
}

type Queryable = Pool | PoolClient;

/**
 * Creates a run with all its tasks pending, or returns the active run (created: false). The
 * one-active-run index decides; `ON CONFLICT DO NOTHING` asks it without a failed INSERT, so
 * joining leaves no unique-violation error in PostgreSQL's log.
 */
export async function createOrJoinRun(
  client: PoolClient,
  trigger: RunTrigger,
  reload: readonly SourceName[] = [],
): Promise<{ run: RunRow; created: boolean }> {
  // The active run can finish between the INSERT that met it and the SELECT: then try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await client.query<RunRow>(
      `INSERT INTO etl_runs (trigger, state, reload) VALUES ($1, 'running', $2)
       ON CONFLICT ((true)) WHERE state = 'running' DO NOTHING
       RETURNING *`,
      [trigger, reload],
    );
    const run = rows[0];
    if (run) {
      await client.query(
        `INSERT INTO etl_tasks (run_id, name, position, state)
         SELECT $1, name, position, 'pending' FROM unnest($2::text[]) WITH ORDINALITY AS t(name, position)`,
        [run.id, TASKS],
      );
      return { run, created: true };
    }
    const active = await activeRun(client);
    if (active) return { run: active, created: false };
  }
  throw new Error('runs kept finishing while a run was being started; try again');
}

export async function activeRun(db: Queryable): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT * FROM etl_runs WHERE state = 'running'`);
  return rows[0];
}

export async function getRun(db: Queryable, runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>('SELECT * FROM etl_runs WHERE id = $1', [runId]);
  return rows[0];
}

/** The `limit` most recent runs, newest first. */
export async function listRuns(db: Queryable, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>('SELECT * FROM etl_runs ORDER BY id DESC LIMIT $1', [limit]);
  return rows;
}

export async function listTasks(db: Queryable, runIds: string[]): Promise<TaskRow[]> {
  const { rows } = await db.query<TaskRow>(
    'SELECT * FROM etl_tasks WHERE run_id = ANY($1::bigint[]) ORDER BY run_id DESC, position',
    [runIds],
  );
  return rows;
}

/** Claims a pending (or lapsed running) task of a running run. Undefined if there is nothing to do. */
export async function claimTask(db: Queryable, runId: string, task: TaskName): Promise<Claim | undefined> {
  const token = randomUUID();
  const { rows } = await db.query<{ attempts: number; reload: SourceName[] }>(
    `UPDATE etl_tasks t SET state = 'running', attempts = attempts + 1, claim_token = $3,
            started_at = coalesce(t.started_at, now()), error = NULL
       FROM etl_runs r
      WHERE t.run_id = $1 AND t.name = $2 AND r.id = t.run_id AND r.state = 'running'
        AND t.state IN ('pending', 'running')
      RETURNING t.attempts, r.reload`,
    [runId, task, token],
  );
  return rows[0] ? { runId, task, token, attempt: rows[0].attempts, reload: rows[0].reload } : undefined;
}

/**
 * Marks the claimed task succeeded (fenced) and the tasks to skip; throws StaleClaimError if the
 * claim is gone. Times are statement_timestamp(), not now(): the completion transaction may have
 * been open since the task began recording what it published (completion.ts).
 */
export async function completeTask(
  client: PoolClient,
  claim: Claim,
  result: { counts: TaskCounts; gate?: unknown; skip?: TaskName[] },
): Promise<void> {
  const { rowCount } = await client.query(
    `UPDATE etl_tasks SET state = 'succeeded', finished_at = statement_timestamp(), counts = $4, gate = $5, claim_token = NULL
      WHERE run_id = $1 AND name = $2 AND claim_token = $3 AND state = 'running'`,
    [claim.runId, claim.task, claim.token, JSON.stringify(result.counts), result.gate === undefined ? null : JSON.stringify(result.gate)],
  );
  if (rowCount !== 1) throw new StaleClaimError(`claim on ${claim.task} of run ${claim.runId} (attempt ${claim.attempt}) is no longer held`);
  if (result.skip?.length) {
    await client.query(
      `UPDATE etl_tasks SET state = 'skipped', finished_at = statement_timestamp() WHERE run_id = $1 AND name = ANY($2::text[]) AND state = 'pending'`,
      [claim.runId, result.skip],
    );
  }
}

/**
 * Records a failed attempt (fenced). 'retry' leaves the task pending for its next attempt;
 * 'failed' and 'incomplete' end the task and set the run to that state.
 */
export async function failTask(
  db: Queryable,
  claim: Claim,
  error: string,
  outcome: 'retry' | 'failed' | 'incomplete',
  gate?: unknown,
): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE etl_tasks SET state = $4, error = $5, claim_token = NULL,
            finished_at = CASE WHEN $4 = 'failed' THEN now() END, gate = coalesce($6, gate)
      WHERE run_id = $1 AND name = $2 AND claim_token = $3`,
    [claim.runId, claim.task, claim.token, outcome === 'retry' ? 'pending' : 'failed', error, gate === undefined ? null : JSON.stringify(gate)],
  );
  if (rowCount === 1 && outcome !== 'retry') await finishRun(db, claim.runId, outcome, `${claim.task}: ${error}`);
}

/**
 * Closes a task whose worker was lost on its last attempt (the job's retries are exhausted, so no
 * claim holder is left to record it): failed, with the reason, instead of 'running' forever.
 */
export async function abandonTask(db: Queryable, runId: string, task: TaskName, error: string): Promise<void> {
  await db.query(
    `UPDATE etl_tasks SET state = 'failed', error = $3, claim_token = NULL, finished_at = now()
      WHERE run_id = $1 AND name = $2 AND state IN ('pending', 'running')`,
    [runId, task, error],
  );
}

export async function setBranch(db: Queryable, runId: string, branch: 'history' | 'changes'): Promise<void> {
  await db.query('UPDATE etl_runs SET branch = $2 WHERE id = $1', [runId, branch]);
}

export async function finishRun(db: Queryable, runId: string, state: Exclude<RunState, 'running'>, error?: string): Promise<void> {
  await db.query(
    `UPDATE etl_runs SET state = $2, finished_at = statement_timestamp(), error = $3 WHERE id = $1 AND state = 'running'`,
    [runId, state, error ?? null],
  );
}

/** The next task to run: the first one that is neither finished nor skipped. */
export async function nextPendingTask(db: Queryable, runId: string): Promise<TaskName | undefined> {
  const { rows } = await db.query<{ name: TaskName }>(
    `SELECT name FROM etl_tasks WHERE run_id = $1 AND state IN ('pending', 'running') ORDER BY position LIMIT 1`,
    [runId],
  );
  return rows[0]?.name;
}

/** Counts published by the run's load tasks, for verify and the CLI. */
export async function runCounts(db: Queryable, runId: string): Promise<TaskCounts> {
  const { rows } = await db.query<{ counts: TaskCounts }>(`SELECT counts FROM etl_tasks WHERE run_id = $1`, [runId]);
  const total: TaskCounts = {};
  for (const { counts } of rows) {
    for (const [key, value] of Object.entries(counts)) if (typeof value === 'number') total[key] = (total[key] ?? 0) + value;
  }
  return total;
}
