// verify: waits (bounded) until ClickHouse holds every (country, date) the run published. The
// sink writes each record with its run id, so the check is one count per poll. A run whose
// data did not all arrive ends 'incomplete', never 'succeeded'. ClickHouse errors while waiting
// (it is down, or restarting) are retried until the deadline.
import type { ClickHouseClient } from '../../platform/clickhouse.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Pool } from '../../platform/postgres.ts';
import { IncompleteRunError, type TaskImplementation } from '../runner.ts';
import { runCounts } from '../runs.repository.ts';

export interface VerifyDeps {
  pool: Pool;
  clickhouse: ClickHouseClient;
  clock: Clock;
  timeoutMs: number;
  pollMs?: number;
}

/**
 * Between counts: one uniqExact over the run's rows, a few tens of milliseconds of ClickHouse;
 * the run's end waits for the next count after the sink stored the last rows.
 */
const POLL_MS = 200;

export async function landedCount(clickhouse: ClickHouseClient, runId: string): Promise<number> {
  const result = await clickhouse.query({
    query: `SELECT uniqExact(country, date) AS landed FROM daily WHERE run_id = ${BigInt(runId).toString()}`,
    format: 'JSONEachRow',
  });
  const rows: { landed: string | number }[] = await result.json();
  const row = rows[0];
  return Number(row?.landed ?? 0);
}

export function verifyTask(deps: VerifyDeps): TaskImplementation {
  return async ({ runId, signal, progress }) => {
    const expected = (await runCounts(deps.pool, runId)).published ?? 0;
    const deadline = deps.clock.now() + deps.timeoutMs;
    let landed = 0;
    let reported: number | undefined;
    // ClickHouse being unreachable for a while is one more reason to wait, not a verdict: the
    // sink is waiting for it too. Only the deadline decides.
    let lastError: unknown;
    for (;;) {
      try {
        landed = expected === 0 ? 0 : await landedCount(deps.clickhouse, runId);
        lastError = undefined;
      } catch (error) {
        lastError = error;
      }
      if (lastError === undefined && landed >= expected) return { counts: { expected, landed } };
      if (deps.clock.now() >= deadline || signal.aborted) break;
      if (landed !== reported) progress({ expected, landed }); // a line when it moved, not every poll
      reported = landed;
      await deps.clock.sleep(deps.pollMs ?? POLL_MS);
    }
    const unreadable = lastError === undefined ? '' : `; ClickHouse could not be read: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`;
    throw new IncompleteRunError(`ClickHouse holds ${landed} of the ${expected} records this run published (waited ${deps.timeoutMs} ms)${unreadable}`);
  };
}
