// One attempt at a task outside the runner (no run, no claim), for tests that call a task
// implementation directly: it has its own completion transaction, which complete() commits with
// the result's own writes as the runner would, and abandon() rolls back as a failed attempt does.
import { createLogger } from '../../src/platform/logger.ts';
import type { Pool } from '../../src/platform/postgres.ts';
import { CompletionTransaction } from '../../src/pipeline/completion.ts';
import type { TaskAttempt, TaskResult } from '../../src/pipeline/runner.ts';

export interface TestAttempt {
  attempt: TaskAttempt;
  complete: (result: TaskResult) => Promise<void>;
  abandon: () => Promise<void>;
}

export function testAttempt(pool: Pool, runId: string, overrides: Partial<TaskAttempt> = {}): TestAttempt {
  const completion = new CompletionTransaction(pool, 60_000);
  return {
    attempt: {
      runId,
      attempt: 1,
      reload: [],
      signal: new AbortController().signal,
      logger: createLogger('silent', 'test'),
      progress: () => undefined,
      transaction: () => completion.client(),
      ...overrides,
    },
    complete: (result) => completion.commit(async (client) => result.commit?.(client)),
    abandon: () => completion.rollback(),
  };
}
