// verify: waits (bounded) until ClickHouse holds every (country, date) the run published. The
// sink writes each record with its run id, so the check is one count per poll. A run whose
// data did not all arrive ends 'incomplete', never 'succeeded'. ClickHouse errors while waiting
// (it is down, or restarting) are retried until the deadline.
//
// The sink announces every batch ClickHouse accepted (platform/data-announcements.ts): each
// announcement ends the wait at once, so the run ends a few milliseconds after the last insert
// rather than up to a poll later. The poll stays as the safety net (an announcement lost, or
// PostgreSQL's LISTEN unavailable: verify then simply polls).
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
  /** Calls its argument on each announcement of new data until the returned function is called. */
  listen?: (onAnnouncement: () => void) => Promise<() => Promise<void>>;
}

/**
 * Between counts when no announcement comes: one uniqExact over the run's rows, a few tens of
 * milliseconds of ClickHouse.
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
  return async ({ runId, signal, progress, logger }) => {
    const expected = (await runCounts(deps.pool, runId)).published ?? 0;
    const deadline = deps.clock.now() + deps.timeoutMs;
    const wake = new Wake(deps.clock);
    const unlisten = await deps.listen?.(() => wake.announced()).catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot listen for announcements of new data; verify polls only');
      return undefined;
    });
    try {
      return await waitForRows(deps, { runId, signal, progress }, expected, deadline, wake);
    } finally {
      await unlisten?.();
    }
  };
}

async function waitForRows(
  deps: VerifyDeps,
  { runId, signal, progress }: Pick<Parameters<TaskImplementation>[0], 'runId' | 'signal' | 'progress'>,
  expected: number,
  deadline: number,
  wake: Wake,
): Promise<{ counts: { expected: number; landed: number } }> {
  let landed = 0;
  let reported: number | undefined;
  // ClickHouse being unreachable for a while is one more reason to wait, not a verdict: the
  // sink is waiting for it too. Only the deadline decides.
  let lastError: unknown;
  for (;;) {
    wake.reset(); // an announcement from now on is after this count's view
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
    await wake.after(deps.pollMs ?? POLL_MS);
  }
  const unreadable = lastError === undefined ? '' : `; ClickHouse could not be read: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`;
  throw new IncompleteRunError(`ClickHouse holds ${landed} of the ${expected} records this run published (waited ${deps.timeoutMs} ms)${unreadable}`);
}

/** The wait between counts: the poll interval, ended early by an announcement. */
class Wake {
  readonly #clock: Clock;
  #pending = false;
  #wakeUp: (() => void) | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  announced(): void {
    this.#pending = true;
    this.#wakeUp?.();
  }

  reset(): void {
    this.#pending = false;
  }

  /** After `ms`, or at once when an announcement came since the last reset. */
  after(ms: number): Promise<void> {
    if (this.#pending) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = this.#clock.setTimer(() => done(), ms);
      const done = () => {
        cancel();
        this.#wakeUp = undefined;
        resolve();
      };
      this.#wakeUp = done;
    });
  }
}
