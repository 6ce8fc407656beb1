// Opening an http(s) source. A source on the internet can fail in every way; each has a bound
// and a typed error:
//   no response headers in time      headersTimeoutMs, per attempt      → SOURCE_TIMEOUT, not retried
//   body stalls                      idleTimeoutMs while waiting        → SOURCE_TIMEOUT
//   body trickles (1 byte a second)  deadlineMs over the whole fetch    → SOURCE_TIMEOUT
//   network error, 5xx, 408, 429     retried with exponential backoff + jitter (429/503 honour
//                                    Retry-After)                       → SOURCE_UNREACHABLE / SOURCE_HTTP_5XX / SOURCE_RATE_LIMITED
//   other 4xx                        not retried                        → SOURCE_HTTP_4XX
// A source that accepts the connection and never answers is not asked again here: asking again
// at once would only hold the worker twice as long. The attempt fails within headersTimeoutMs
// and the task's own retries (with their backoff) go on. Retries happen only before the body is
// handed out: once the caller streams, an error ends the stream and the task starts over.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from './backoff.ts';
import { WatchedBody } from './source-fetch-body.ts';
import { networkDetail, SourceFetchError, type SourceFetchErrorCode } from './source-fetch-errors.ts';
import type { OpenedSource } from './source-fetch.ts';

export interface FetchOptions {
  /** Per attempt: connect and receive the response headers. */
  headersTimeoutMs?: number;
  /** Longest wait for the next body chunk. */
  idleTimeoutMs?: number;
  /** The whole fetch, retries and body included (wall clock). */
  deadlineMs?: number;
  /** Attempts after the first. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A longer Retry-After is not waited for: the fetch fails at once. */
  maxRetryAfterMs?: number;
  /** Extra request headers, e.g. If-None-Match for a conditional GET. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Jitter source, [0, 1). */
  random?: () => number;
}

/** Within a minute for a source that never answers (SPEC 4); the config sets the real values. */
export const FETCH_DEFAULTS = {
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  deadlineMs: 15 * 60_000,
  retries: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/** How one request ended when it did not hand out a body: the error, and whether to ask again (after how long). */
type Failure = { error: SourceFetchError; retry: boolean; waitMs?: number };

export async function openHttp(url: string, options: FetchOptions): Promise<OpenedSource> {
  const o = { ...FETCH_DEFAULTS, ...definedOnly(options) };
  const startedAt = Date.now();
  // `overall` ends everything: the deadline, or the caller's signal. Its reason is the error.
  const overall = new AbortController();
  const deadline = setTimeout(
    () => overall.abort(new SourceFetchError('SOURCE_TIMEOUT', url, `deadline of ${o.deadlineMs} ms exceeded`)),
    o.deadlineMs,
  );
  const onCallerAbort = () => overall.abort(new SourceFetchError('SOURCE_ABORTED', url, 'aborted by the caller'));
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const release = () => {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onCallerAbort);
  };

  try {
    for (let attempt = 1; ; attempt++) {
      const outcome = await request(url, o, overall);
      if (outcome instanceof Response) return openedBody(outcome, url, o.idleTimeoutMs, overall, release);
      outcome.error.attempts = attempt;
      if (!outcome.retry || attempt > o.retries) throw outcome.error;
      const delay =
        outcome.waitMs ?? backoffDelay(attempt, { initialMs: o.backoffBaseMs, maxMs: o.backoffMaxMs, jitter: 0.5, random: options.random ?? Math.random });
      // Waiting past the deadline would only end in SOURCE_TIMEOUT; the real cause is better.
      if (Date.now() - startedAt + delay >= o.deadlineMs) throw outcome.error;
      try {
        await sleep(delay, undefined, { signal: overall.signal });
      } catch {
        throw overall.signal.reason;
      }
    }
  } catch (error) {
    release();
    throw error;
  }
}

/** One request: a response to stream (2xx, 304), or how it failed. */
async function request(url: string, o: typeof FETCH_DEFAULTS & FetchOptions, overall: AbortController): Promise<Response | Failure> {
  const attemptCtl = new AbortController();
  const headersTimer = setTimeout(
    () => attemptCtl.abort(new SourceFetchError('SOURCE_TIMEOUT', url, `no response headers within ${o.headersTimeoutMs} ms`)),
    o.headersTimeoutMs,
  );
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([overall.signal, attemptCtl.signal]), headers: o.headers ?? {} });
  } catch (error) {
    if (overall.signal.aborted) throw overall.signal.reason;
    if (attemptCtl.signal.aborted) return { error: attemptCtl.signal.reason as SourceFetchError, retry: false };
    return { error: new SourceFetchError('SOURCE_UNREACHABLE', url, networkDetail(error), { cause: error }), retry: true };
  } finally {
    clearTimeout(headersTimer);
  }
  if (response.ok || response.status === 304) return response;

  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  const detail = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (status !== 429 && status !== 408 && status < 500) {
    return { error: new SourceFetchError('SOURCE_HTTP_4XX', url, `${detail} (not retried)`, { status }), retry: false };
  }
  const code: SourceFetchErrorCode = status === 429 ? 'SOURCE_RATE_LIMITED' : status >= 500 ? 'SOURCE_HTTP_5XX' : 'SOURCE_TIMEOUT';
  const waitMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  if (waitMs !== undefined && waitMs > o.maxRetryAfterMs) {
    const wait = `Retry-After ${Math.ceil(waitMs / 1000)} s is longer than ${o.maxRetryAfterMs} ms`;
    return { error: new SourceFetchError(code, url, `${detail}; ${wait}`, { status }), retry: false };
  }
  return { error: new SourceFetchError(code, url, detail, { status }), retry: true, ...(waitMs === undefined ? {} : { waitMs }) };
}

function openedBody(response: Response, url: string, idleTimeoutMs: number, overall: AbortController, release: () => void): OpenedSource {
  const length = response.headers.get('content-length');
  const meta = {
    url: response.url || url,
    ...optional('etag', response.headers.get('etag')),
    ...optional('lastModified', response.headers.get('last-modified')),
    ...optional('contentType', response.headers.get('content-type')),
    // A compressed body arrives decoded: its Content-Length says nothing about what we count.
    ...(length !== null && /^\d+$/.test(length) && response.headers.get('content-encoding') === null ? { contentLength: Number(length) } : {}),
  };
  if (response.status === 304 || response.body === null) {
    release();
    void response.body?.cancel().catch(() => undefined);
    return { ...meta, body: Readable.from([]), ...(response.status === 304 ? { notModified: true } : {}) };
  }
  return { ...meta, body: new WatchedBody(response.body.getReader(), url, idleTimeoutMs, overall, release) };
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
