// Starting runs and executing one task of a run (the job handler). A task's work happens
// outside any transaction (reading sources, publishing to Kafka); its results (counts, gate,
// pipeline state, the next task's job) are written in one transaction that is fenced by the
// claim token, so only the current attempt can complete it.
import type { PgBoss } from 'pg-boss';
import type { SourceName } from '../domain/record.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction, type Pool, type PoolClient } from '../platform/postgres.ts';
import type { TaskCounts, TaskName, TaskOutcome } from './dag.ts';
import { sendTask } from './queue.ts';
import {
  claimTask,
  completeTask,
  createOrJoinRun,
  failTask,
  finishRun,
  nextPendingTask,
  type Claim,
  type RunRow,
  type RunTrigger,
} from './runs.repository.ts';

export interface RunnerDeps {
  pool: Pool;
  boss: PgBoss;
  logger: Logger;
  clock: Clock;
}

/** What a task returns: its outcome, and the writes that must commit together with its completion. */
export interface TaskResult extends TaskOutcome {
  commit?: (client: PoolClient) => Promise<void>;
}

/** One attempt at one task of a run: what its implementation is given (history rows are `etl_tasks`). */
export interface TaskAttempt {
  runId: string;
  /** 1 for the first attempt, counted by the claim. */
  attempt: number;
  /** Sources the run reprocesses from their whole history (`run --reload`). */
  reload: readonly SourceName[];
  signal: AbortSignal;
  logger: Logger;
  progress: (counts: TaskCounts) => void;
}

export type TaskImplementation = (attempt: TaskAttempt) => Promise<TaskResult>;

/** An error that says the run's data did not all arrive: the run ends 'incomplete', not 'failed'. */
export class IncompleteRunError extends Error {
  override name = 'IncompleteRunError';
}

/**
 * Starts a run, or joins the active one. The first task is queued in the same transaction. A
 * run that reloads sources is only ever started, never joined: the caller sees `created: false`
 * and the active run, and may wait for it to end.
 */
export async function startRun(
  deps: Pick<RunnerDeps, 'pool' | 'boss'>,
  trigger: RunTrigger,
  reload: readonly SourceName[] = [],
): Promise<{ run: RunRow; created: boolean }> {
  return withTransaction(deps.pool, async (client) => {
    const result = await createOrJoinRun(client, trigger, reload);
    if (result.created) await sendTask(deps.boss, { runId: result.run.id, task: 'check_history' }, client);
    return result;
  });
}

export async function executeTask(
  deps: RunnerDeps,
  job: { runId: string; task: TaskName; final: boolean; signal: AbortSignal },
  implementation: TaskImplementation,
): Promise<void> {
  const logger = deps.logger.child({ runId: job.runId, task: job.task });
  const claim = await claimTask(deps.pool, job.runId, job.task);
  if (!claim) {
    logger.info('task is not pending in a running run; nothing to do');
    return;
  }
  logger.info({ attempt: claim.attempt }, 'task started');
  const started = deps.clock.now();
  try {
    const result = await implementation({
      runId: job.runId,
      attempt: claim.attempt,
      reload: claim.reload,
      signal: job.signal,
      logger,
      progress: (counts) => logger.info({ counts }, 'progress'),
    });
    await withTransaction(deps.pool, async (client) => {
      await completeTask(client, claim, result);
      await result.commit?.(client);
      await queueNextOrFinish(deps, client, claim);
    });
    logger.info({ counts: result.counts, ms: deps.clock.now() - started }, 'task succeeded');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const gate = (error as { gate?: unknown }).gate;
    logger.error({ err: error, final: job.final, ms: deps.clock.now() - started }, 'task failed');
    await recordFailure(deps, claim, message, job.final, error instanceof IncompleteRunError, gate);
    throw error;
  }
}

async function queueNextOrFinish(deps: RunnerDeps, client: PoolClient, claim: Claim): Promise<void> {
  const next = await nextPendingTask(client, claim.runId);
  if (next) await sendTask(deps.boss, { runId: claim.runId, task: next }, client);
  else await finishRun(client, claim.runId, 'succeeded');
}

async function recordFailure(deps: RunnerDeps, claim: Claim, message: string, final: boolean, incomplete: boolean, gate: unknown) {
  const outcome = !final ? 'retry' : incomplete ? 'incomplete' : 'failed';
  // If this cannot be written, the job fails anyway: its retry or the dead-letter handler settles the run.
  await failTask(deps.pool, claim, message, outcome, gate).catch((error: unknown) =>
    deps.logger.error({ err: error }, 'could not record task failure'),
  );
}
