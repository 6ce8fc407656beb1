// verify: ClickHouse errors while waiting are waited out until the deadline (ClickHouse down or
// restarting is not a verdict); at the deadline the run is incomplete, with the last error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import type { Pool } from '../../../src/platform/postgres.ts';
import { IncompleteRunError, type TaskExecution } from '../../../src/pipeline/runner.ts';
import { verifyTask } from '../../../src/pipeline/tasks/verify.ts';
import { createLogger } from '../../../src/platform/logger.ts';

const pool = { query: () => Promise.resolve({ rows: [{ counts: { published: 5 } }] }) } as unknown as Pool;

function clickhouse(answers: (number | Error)[]): ClickHouseClient {
  let i = 0;
  return {
    query: () => {
      const answer = answers[Math.min(i++, answers.length - 1)]!;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve({ json: () => Promise.resolve([{ landed: String(answer) }]) });
    },
  } as unknown as ClickHouseClient;
}

const execution: TaskExecution = { runId: '7', attempt: 1, reload: [], signal: new AbortController().signal, logger: createLogger('silent', 'test'), progress: () => {} };

describe('verify', () => {
  it('waits through ClickHouse errors and succeeds once everything landed', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:8123');
    const task = verifyTask({ pool, clickhouse: clickhouse([refused, refused, 3, 5]), timeoutMs: 5_000, pollMs: 1 });
    assert.deepEqual((await task(execution)).counts, { expected: 5, landed: 5 });
  });

  it('ends incomplete at the deadline, naming the last ClickHouse error', async () => {
    const task = verifyTask({ pool, clickhouse: clickhouse([2, new Error('connect ECONNREFUSED 127.0.0.1:8123')]), timeoutMs: 30, pollMs: 1 });
    await assert.rejects(task(execution), (error: unknown) => {
      assert.ok(error instanceof IncompleteRunError);
      assert.match(error.message, /^ClickHouse holds 2 of the 5 records this run published \(waited 30 ms\); ClickHouse could not be read: connect ECONNREFUSED/);
      return true;
    });
  });
});
