// Retrying one operation until it succeeds or its caller stops: for work that may not be given
// up while the process runs (the sink's insert and dead-letter send, without which its batch can
// never be committed). Between attempts it waits with capped backoff on the caller's clock.
// Bounded retries (a source download) are a different loop: source-fetch-http.ts.
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';

/** The caller stopped before the operation succeeded. */
export class RetryStopped extends Error {
  override name = 'RetryStopped';
}

export interface RetryUntilStoppedOptions {
  clock: Clock;
  backoff: BackoffOptions;
  /** Once aborted, a failed attempt is the last one, and a wait for the next one ends at once. */
  stop: AbortSignal;
  /** Given to every attempt: aborting it aborts the attempt in flight. */
  cancel: AbortSignal;
  /** Every failed attempt; `retryInMs` is undefined when it was the last one (stopped). */
  onFailure?: (failure: { error: unknown; attempt: number; retryInMs: number | undefined }) => void;
}

/**
 * Runs `operation` until it succeeds and resolves with the number of attempts it took. Only
 * `stop` ends it early, rejecting with RetryStopped (its message names `name` and why).
 */
export async function retryUntilStopped(
  name: string,
  operation: (signal: AbortSignal) => Promise<unknown>,
  { clock, backoff, stop, cancel, onFailure }: RetryUntilStoppedOptions,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await operation(cancel);
      return attempt;
    } catch (error) {
      if (stop.aborted) {
        onFailure?.({ error, attempt, retryInMs: undefined });
        throw new RetryStopped(`${name} failed while stopping: ${(error as Error).message}`, { cause: error });
      }
      const retryInMs = backoffDelay(attempt, backoff);
      onFailure?.({ error, attempt, retryInMs });
      try {
        await clock.sleep(retryInMs, stop);
      } catch {
        throw new RetryStopped(`stopped while waiting to retry the ${name}`);
      }
    }
  }
}
