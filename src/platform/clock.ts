// Time is a dependency: every reading of the time, timer and wait in src goes through the one
// Clock its composition root passes in (systemClock), so tests drive time with a fake clock
// instead of waiting on real time-outs.
export interface Clock {
  now(): number;
  /** Calls `callback` after `ms`; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** For code that only reads the time (rate limits, cache lifetimes): a fake needs only now(). */
export type TimeSource = Pick<Clock, 'now'>;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** Whether `promise` settles (either way) within `ms` on `clock`; it is not cancelled when not. */
export async function settlesWithin(clock: Clock, promise: Promise<unknown>, ms: number): Promise<boolean> {
  let cancel: (() => void) | undefined;
  const timeUp = new Promise<false>((resolve) => {
    cancel = clock.setTimer(() => resolve(false), Math.max(0, ms));
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeUp]);
  } finally {
    cancel?.();
  }
}
