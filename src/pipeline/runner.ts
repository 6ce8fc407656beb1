// Starting runs and executing one task of a run (the job handler). A task's work happens
// outside any transaction (reading sources, publishing to Kafka); its results (counts, gate,
// pipeline state, the next task's job) are written in one transaction that is fenced by the
// claim token, so only the current attempt can complete it. A task may open that transaction
// early and write into it as it goes (completion.ts): those writes commit with the completion
// or not at all.
import type { PgBoss } from 'pg-boss';
import type { SourceName } from '../domain/record.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction, type Pool, type PoolClient } from '../platform/postgres.ts';
import { CompletionTransaction } from './completion.ts';
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
  /** How long the completion transaction may sit idle before PostgreSQL ends it (the claim's duration). */
  transactionIdleMs?: number;
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
  /**
   * The transaction that will complete this attempt, opened on the first call: what is written
   * into it becomes visible with the task's completion, or never (completion.ts).
   */
  transaction: () => Promise<PoolClient>;
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

/** TASK_CLAIM_SECONDS' default. */
const DEFAULT_TRANSACTION_IDLE_MS = 120_000;

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
  const completion = new CompletionTransaction(deps.pool, deps.transactionIdleMs ?? DEFAULT_TRANSACTION_IDLE_MS);
  try {
    const result = await implementation({
      runId: job.runId,
      attempt: claim.attempt,
      reload: claim.reload,
      signal: job.signal,
      logger,
      progress: (counts) => logger.info({ counts }, 'progress'),
      transaction: () => completion.client(),
    });
    await completion.commit(async (client) => {
      await completeTask(client, claim, result);
      await result.commit?.(client);
      await queueNextOrFinish(deps, client, claim);
    });
    logger.info({ counts: result.counts, ms: deps.clock.now() - started }, 'task succeeded');
  } catch (error) {
    await completion.rollback();
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
