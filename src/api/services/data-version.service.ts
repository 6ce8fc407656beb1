// The data version, checked for every data request and never cached, so no answer is ever
// older than the data that was queryable when its request arrived. Checks are single-flight:
// a request waits for a check that *started after it arrived* (a check already running may
// have read the version before the newest run landed), and every request that arrives while
// a check runs shares the one next check.
//
// Under load checks would run back to back, and each costs ClickHouse about half a
// millisecond of CPU (18.16 creates threads per query), which on a small machine is CPU taken
// from the server itself. So consecutive checks start at least `minIntervalMs` apart: more
// requests share each check, at the price of at most that much extra wait. A request that
// arrives when no check ran recently still gets one at once.
import type { Clock } from '../repositories/clock.ts';

export interface DataVersionService {
  current(): Promise<string>;
}

export interface DataVersionOptions {
  minIntervalMs: number;
  clock: Clock;
}

export const DEFAULT_VERSION_CHECK_INTERVAL_MS = 2;

export function createDataVersionService(
  check: () => Promise<string>,
  { minIntervalMs, clock }: DataVersionOptions = { minIntervalMs: 0, clock: { now: () => performance.now() } },
): DataVersionService {
  let running: Promise<string> | undefined;
  let next: Promise<string> | undefined;
  let lastStart = -Infinity;

  const start = (): Promise<string> => {
    lastStart = clock.now();
    const flight = check();
    running = flight;
    const clear = () => {
      if (running === flight) running = undefined;
    };
    flight.then(clear, clear);
    return flight;
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const noop = () => undefined;

  /** The next check: after `previous` settles and the interval has passed. */
  const schedule = (previous: Promise<unknown>): Promise<string> => {
    const scheduled: Promise<string> = previous
      .then(noop, noop)
      .then(() => {
        const wait = lastStart + minIntervalMs - clock.now();
        return wait > 0 ? sleep(wait) : undefined;
      })
      .then(() => {
        // From here on the check has started: later arrivals must not join it.
        if (next === scheduled) next = undefined;
        return start();
      });
    next = scheduled;
    return scheduled;
  };

  return {
    current() {
      if (next) return next; // not started yet: it starts after this request arrived
      if (!running && clock.now() - lastStart >= minIntervalMs) return start();
      return schedule(running ?? Promise.resolve());
    },
  };
}
