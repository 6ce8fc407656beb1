// The one polling wait of the tests: calls `probe` every `intervalMs` until it returns a value
// (not undefined or false), and fails after `timeoutMs` naming what it waited for, the probe's
// last error and, if given, `context()` (e.g. the logs of the processes involved).
// waitWhileProgressing is the same wait for long work whose speed depends on the machine's load:
// it gives up only when the work stopped advancing, not after a fixed time.
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 200,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return poll(probe, intervalMs, (why) =>
    Date.now() > deadline ? `timed out after ${timeoutMs} ms waiting for ${what}${why}${context ? `\n${context()}` : ''}` : undefined,
  );
}

/**
 * Waits like waitFor, but fails only when `progress()` (a value that changes while the work goes
 * on, such as rows inserted so far) stayed the same for `stallMs`.
 */
export async function waitWhileProgressing<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  progress: () => unknown,
  stallMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  let seen: unknown = await progress();
  let since = Date.now();
  return poll(probe, intervalMs, async (why) => {
    const now = await progress();
    if (now !== seen) {
      seen = now;
      since = Date.now();
      return undefined;
    }
    return Date.now() - since > stallMs ? `no progress for ${stallMs} ms (still at ${String(now)}) waiting for ${what}${why}` : undefined;
  });
}

/** Probes until a value comes, or `failure` (given the probe's last error as text) describes why not. */
async function poll<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  intervalMs: number,
  failure: (why: string) => Promise<string | undefined> | string | undefined,
): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    const failed = await failure(last instanceof Error ? `: ${last.message}` : '');
    if (failed !== undefined) throw new Error(failed);
    await sleep(intervalMs);
  }
}
