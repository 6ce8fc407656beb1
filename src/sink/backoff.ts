// Capped exponential backoff for retrying a batch while ClickHouse (or the dead-letter topic)
// is unavailable: 1 s, 2 s, 4 s ... up to 30 s, forever. Never skip, never give up on a batch.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = Object.freeze({ initialMs: 1_000, maxMs: 30_000 });

/** Delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions = defaultBackoff): number {
  if (attempt < 1) return 0;
  // 2 ** 30 is far past any cap; clamping the exponent keeps the arithmetic finite.
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
}
