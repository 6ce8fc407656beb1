// The one polling wait of the tests: calls `probe` every `intervalMs` until it returns a value
// (not undefined or false), and fails after `timeoutMs` naming what it waited for, the probe's
// last error and, if given, `context()` (e.g. the logs of the processes involved).
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 200,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}${context ? `\n${context()}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
