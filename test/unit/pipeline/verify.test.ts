// verify: ClickHouse errors while waiting are waited out until the deadline (ClickHouse down or
// restarting is not a verdict); at the deadline the run is incomplete, with the last error.
// Time is a fake clock: polls and the deadline are counted, not waited for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import type { Pool } from '../../../src/platform/postgres.ts';
import { IncompleteRunError, type TaskAttempt } from '../../../src/pipeline/runner.ts';
import { verifyTask } from '../../../src/pipeline/tasks/verify.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { FakeClock, settle } from '../../support/fake-clock.ts';

const RUN_ID = '7';
const POLL_MS = 500;

/** The run's task counts as PostgreSQL holds them: only answered for this run's id. */
const pool = {
  query: (sql: string, params: unknown[]) => {
    assert.match(sql, /FROM etl_tasks WHERE run_id = \$1/);
    assert.deepEqual(params, [RUN_ID]);
    return Promise.resolve({ rows: [{ counts: { published: 3 } }, { counts: { published: 2 } }] });
  },
} as unknown as Pool;

/** ClickHouse answering each count query in turn (the last answer repeats); records the SQL. */
function clickhouse(answers: (number | Error)[]): ClickHouseClient & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    query: ({ query }: { query: string }) => {
      queries.push(query);
      const answer = answers[Math.min(queries.length - 1, answers.length - 1)]!;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve({ json: () => Promise.resolve([{ landed: String(answer) }]) });
    },
  } as unknown as ClickHouseClient & { queries: string[] };
}

const attempt: TaskAttempt = { runId: RUN_ID, attempt: 1, reload: [], signal: new AbortController().signal, logger: createLogger('silent', 'test'), progress: () => {}, transaction: () => Promise.reject(new Error('verify writes nothing before its completion')) };

/** Runs the task, moving the fake clock one poll at a time until it settles. */
async function runWithFakeTime<T>(clock: FakeClock, task: Promise<T>): Promise<{ outcome: PromiseSettledResult<T>; elapsedMs: number }> {
  let settled: PromiseSettledResult<T> | undefined;
  void task.then(
    (value) => (settled = { status: 'fulfilled', value }),
    (reason: unknown) => (settled = { status: 'rejected', reason }),
  );
  for (let i = 0; i < 1_000 && !settled; i++) {
    await settle();
    if (!settled) await clock.advance(POLL_MS);
  }
  assert.ok(settled, 'the task never settled');
  return { outcome: settled, elapsedMs: clock.now() };
}

describe('verify', () => {
  it('waits through ClickHouse errors and succeeds once everything landed', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:8123');
    const clock = new FakeClock();
    const ch = clickhouse([refused, refused, 3, 5]);
    const task = verifyTask({ pool, clickhouse: ch, clock, timeoutMs: 60_000, pollMs: POLL_MS });
    const { outcome, elapsedMs } = await runWithFakeTime(clock, task(attempt));
    assert.equal(outcome.status, 'fulfilled');
    assert.deepEqual(outcome.value.counts, { expected: 5, landed: 5 });
    assert.equal(ch.queries.length, 4, 'one count per poll');
    assert.equal(elapsedMs, 3 * POLL_MS, 'three waits between four polls');
    for (const query of ch.queries) assert.match(query, /FROM daily WHERE run_id = 7$/);
  });

  it('ends incomplete at the deadline, naming the last ClickHouse error', async () => {
    const clock = new FakeClock();
    const ch = clickhouse([2, new Error('connect ECONNREFUSED 127.0.0.1:8123')]);
    const task = verifyTask({ pool, clickhouse: ch, clock, timeoutMs: 2_000, pollMs: POLL_MS });
    const { outcome, elapsedMs } = await runWithFakeTime(clock, task(attempt));
    assert.equal(outcome.status, 'rejected');
    const error = outcome.reason as unknown;
    assert.ok(error instanceof IncompleteRunError);
    assert.match(error.message, /^ClickHouse holds 2 of the 5 records this run published \(waited 2000 ms\); ClickHouse could not be read: connect ECONNREFUSED/);
    assert.equal(elapsedMs, 2_000, 'gave up at the deadline, not before');
    assert.equal(ch.queries.length, 5, 'polled at 0, 500, 1000, 1500 and 2000 ms');
  });

  it('an announcement of new data ends the wait at once; the listener is released at the end', async () => {
    const clock = new FakeClock();
    const ch = clickhouse([3, 5]);
    let announce: (() => void) | undefined;
    let released = 0;
    const listen = (onAnnouncement: () => void) => {
      announce = onAnnouncement;
      return Promise.resolve(() => {
        released++;
        return Promise.resolve();
      });
    };
    const task = verifyTask({ pool, clickhouse: ch, clock, timeoutMs: 60_000, pollMs: POLL_MS, listen })(attempt);
    let done = false;
    void task.then(() => (done = true));
    await settle();
    assert.equal(ch.queries.length, 1);
    assert.equal(done, false, 'waiting after the first count');
    announce!();
    await settle();
    assert.equal(done, true);
    assert.deepEqual((await task).counts, { expected: 5, landed: 5 });
    assert.equal(clock.now(), 0, 'no poll interval waited');
    assert.equal(released, 1);
  });

  it('polls as before when it cannot listen', async () => {
    const clock = new FakeClock();
    const ch = clickhouse([3, 5]);
    const listen = () => Promise.reject(new Error('too many connections'));
    const { outcome, elapsedMs } = await runWithFakeTime(clock, verifyTask({ pool, clickhouse: ch, clock, timeoutMs: 60_000, pollMs: POLL_MS, listen })(attempt));
    assert.equal(outcome.status, 'fulfilled');
    assert.equal(elapsedMs, POLL_MS);
  });
});
