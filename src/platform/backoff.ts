// Capped exponential backoff, the one used by every retry loop: the sink retrying a batch while
// ClickHouse (or the dead-letter topic) is down (no jitter: one consumer, nobody to collide
// with), and source fetches (equal jitter, so that workers do not retry a source in step).
export interface BackoffOptions {
  /** Delay before the first retry (the ceiling doubles from here). */
  initialMs: number;
  maxMs: number;
  /** Share of the delay that is random, 0..1: 0 = none, 0.5 = "equal jitter" (half fixed, half random). */
  jitter?: number;
  /** Jitter source, [0, 1). */
  random?: () => number;
}

/** 1 s, 2 s, 4 s … up to 30 s, no jitter. */
export const defaultBackoff: BackoffOptions = Object.freeze({ initialMs: 1_000, maxMs: 30_000 });

/** Delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = defaultBackoff): number {
  if (attempt < 1) return 0;
  // 2 ** 30 is far past any cap; clamping the exponent keeps the arithmetic finite.
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt - 1, 30));
  const jitter = options.jitter ?? 0;
  if (jitter === 0) return ceiling;
  return Math.round(ceiling * (1 - jitter) + (options.random ?? Math.random)() * ceiling * jitter);
}
