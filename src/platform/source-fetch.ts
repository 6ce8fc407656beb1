// Opens a source location as a byte stream: `file://` (local copies) or `http(s)://`.
// A source on the internet can fail in every way; each has a bound and a typed error:
//   no response headers in time      headersTimeoutMs, per attempt      → retried, SOURCE_TIMEOUT
//   body stalls                      idleTimeoutMs while waiting        → SOURCE_TIMEOUT
//   body trickles (1 byte a second)  deadlineMs over the whole fetch    → SOURCE_TIMEOUT
//   network error, 5xx, 408, 429     retried with exponential backoff + jitter (429/503 honour
//                                    Retry-After)                       → SOURCE_UNREACHABLE / SOURCE_HTTP_5XX / SOURCE_RATE_LIMITED
//   other 4xx                        not retried                        → SOURCE_HTTP_4XX
// Retries happen only before the body is handed out: once the caller streams, an error ends the
// stream and the task (which is itself retried) starts over.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const SOURCE_FETCH_ERROR_CODES = [
  'SOURCE_BAD_URL',
  'SOURCE_NOT_FOUND',
  'SOURCE_HTTP_4XX',
  'SOURCE_HTTP_5XX',
  'SOURCE_RATE_LIMITED',
  'SOURCE_TIMEOUT',
  'SOURCE_UNREACHABLE',
  'SOURCE_ABORTED',
  'SOURCE_TOO_LARGE',
] as const;
export type SourceFetchErrorCode = (typeof SOURCE_FETCH_ERROR_CODES)[number];

export class SourceFetchError extends Error {
  readonly code: SourceFetchErrorCode;
  readonly url: string;
  readonly status: number | undefined;
  /** Attempts made (1 = no retry). */
  attempts: number;

  constructor(code: SourceFetchErrorCode, url: string, detail: string, extra: { status?: number; attempts?: number; cause?: unknown } = {}) {
    super(`${code}: ${detail} (${url})`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SourceFetchError';
    this.code = code;
    this.url = url;
    this.status = extra.status;
    this.attempts = extra.attempts ?? 1;
  }
}

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

export interface OpenedSource {
  body: Readable;
  /** The final URL (after redirects). */
  url: string;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /** A conditional GET answered 304: the body is empty. */
  notModified?: boolean;
}

const DEFAULTS = {
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  deadlineMs: 15 * 60_000,
  retries: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export async function openLocation(url: string, options: FetchOptions = {}): Promise<OpenedSource> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceFetchError('SOURCE_BAD_URL', url, 'not a URL');
  }
  if (parsed.protocol === 'file:') return openFile(parsed);
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return openHttp(parsed.href, options);
  throw new SourceFetchError('SOURCE_BAD_URL', url, `unsupported protocol ${parsed.protocol} (file:, http:, https:)`);
}

async function openFile(url: URL): Promise<OpenedSource> {
  const path = fileURLToPath(url);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SourceFetchError('SOURCE_NOT_FOUND', url.href, 'no such file', { cause: error });
    throw new SourceFetchError('SOURCE_UNREACHABLE', url.href, `cannot read: ${code ?? String(error)}`, { cause: error });
  }
  if (!info.isFile()) throw new SourceFetchError('SOURCE_NOT_FOUND', url.href, 'not a regular file');
  return {
    body: createReadStream(path),
    url: url.href,
    // A file has no ETag; size and mtime change together with its content in practice.
    etag: `W/"${info.size}-${Math.trunc(info.mtimeMs)}"`,
    lastModified: info.mtime.toUTCString(),
  };
}

async function openHttp(url: string, options: FetchOptions): Promise<OpenedSource> {
  const o = { ...DEFAULTS, ...definedOnly(options) };
  const random = options.random ?? Math.random;
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

  let lastError: SourceFetchError | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      let waitMs: number | undefined;
      const attemptCtl = new AbortController();
      const headersTimer = setTimeout(
        () => attemptCtl.abort(new SourceFetchError('SOURCE_TIMEOUT', url, `no response headers within ${o.headersTimeoutMs} ms`)),
        o.headersTimeoutMs,
      );
      let response: Response | undefined;
      try {
        response = await fetch(url, { signal: AbortSignal.any([overall.signal, attemptCtl.signal]), headers: options.headers ?? {} });
      } catch (error) {
        if (overall.signal.aborted) throw overall.signal.reason;
        lastError = attemptCtl.signal.aborted
          ? (attemptCtl.signal.reason as SourceFetchError)
          : new SourceFetchError('SOURCE_UNREACHABLE', url, networkDetail(error), { cause: error });
      } finally {
        clearTimeout(headersTimer);
      }

      if (response !== undefined) {
        if (response.ok || response.status === 304) return openedBody(response, url, o.idleTimeoutMs, overall, release);
        await response.body?.cancel().catch(() => undefined);
        const status = response.status;
        const detail = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
        if (status === 429 || status === 408 || status >= 500) {
          const code = status === 429 ? 'SOURCE_RATE_LIMITED' : status >= 500 ? 'SOURCE_HTTP_5XX' : 'SOURCE_TIMEOUT';
          waitMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
          if (waitMs !== undefined && waitMs > o.maxRetryAfterMs) {
            const wait = `Retry-After ${Math.ceil(waitMs / 1000)} s is longer than ${o.maxRetryAfterMs} ms`;
            throw new SourceFetchError(code, url, `${detail}; ${wait}`, { status, attempts: attempt });
          }
          lastError = new SourceFetchError(code, url, detail, { status });
        } else {
          throw new SourceFetchError('SOURCE_HTTP_4XX', url, `${detail} (not retried)`, { status, attempts: attempt });
        }
      }

      const error = lastError!;
      error.attempts = attempt;
      if (attempt > o.retries) throw error;
      const delay = waitMs ?? backoff(attempt, o.backoffBaseMs, o.backoffMaxMs, random);
      // Waiting past the deadline would only end in SOURCE_TIMEOUT; the real cause is better.
      if (Date.now() - startedAt + delay >= o.deadlineMs) throw error;
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

function openedBody(response: Response, url: string, idleTimeoutMs: number, overall: AbortController, release: () => void): OpenedSource {
  const meta = {
    url: response.url || url,
    ...optional('etag', response.headers.get('etag')),
    ...optional('lastModified', response.headers.get('last-modified')),
    ...optional('contentType', response.headers.get('content-type')),
  };
  if (response.status === 304 || response.body === null) {
    release();
    void response.body?.cancel().catch(() => undefined);
    return { ...meta, body: Readable.from([]), ...(response.status === 304 ? { notModified: true } : {}) };
  }
  return { ...meta, body: new WatchedBody(response.body.getReader(), url, idleTimeoutMs, overall, release) };
}

/**
 * The response body as a Node stream that fails when the source goes quiet. The idle timer runs
 * only while we wait for the source, not while the consumer is busy: backpressure from a slow
 * consumer (Kafka) is not a stalled source.
 */
class WatchedBody extends Readable {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly url: string;
  private readonly idleTimeoutMs: number;
  private readonly overall: AbortController;
  private readonly release: () => void;
  private idleTimer: NodeJS.Timeout | undefined;
  private pending = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, url: string, idleTimeoutMs: number, overall: AbortController, release: () => void) {
    super();
    this.reader = reader;
    this.url = url;
    this.idleTimeoutMs = idleTimeoutMs;
    this.overall = overall;
    this.release = release;
    // The deadline (or the caller) may end the fetch while nobody is reading.
    overall.signal.addEventListener('abort', () => this.destroy(overall.signal.reason as Error), { once: true });
  }

  override _read(): void {
    if (this.pending) return;
    this.pending = true;
    this.idleTimer = setTimeout(
      () => this.destroy(new SourceFetchError('SOURCE_TIMEOUT', this.url, `no data for ${this.idleTimeoutMs} ms`)),
      this.idleTimeoutMs,
    );
    this.reader.read().then(
      ({ done, value }) => {
        clearTimeout(this.idleTimer);
        this.pending = false;
        if (this.destroyed) return;
        if (done) this.push(null);
        else this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      },
      (error: unknown) => {
        clearTimeout(this.idleTimer);
        this.pending = false;
        const reason = this.overall.signal.aborted
          ? (this.overall.signal.reason as Error)
          : new SourceFetchError('SOURCE_UNREACHABLE', this.url, `body failed: ${networkDetail(error)}`, { cause: error });
        this.destroy(reason);
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    this.release();
    this.reader.cancel(error ?? undefined).catch(() => undefined);
    if (error && !this.overall.signal.aborted) this.overall.abort(error);
    callback(error);
  }
}

export interface FetchTextOptions extends FetchOptions {
  /** Refuse bodies larger than this (an HTML page is ~100 kB). */
  maxBytes?: number;
}

/** A whole (small) text document, decoded by its declared charset (UTF-8 by default). */
export async function fetchText(url: string, options: FetchTextOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const opened = await openLocation(url, options);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of opened.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      opened.body.destroy();
      throw new SourceFetchError('SOURCE_TOO_LARGE', url, `more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  return decode(bytes, charsetOf(opened.contentType) ?? sniffMetaCharset(bytes));
}

function charsetOf(contentType: string | undefined): string | undefined {
  return contentType ? /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1] : undefined;
}

function sniffMetaCharset(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
}

function decode(bytes: Buffer, label: string | undefined): string {
  let decoder;
  try {
    decoder = new TextDecoder(label ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8'); // an unknown label: UTF-8 is what the sources use
  }
  return decoder.decode(bytes);
}

/** Exponential backoff with equal jitter: half fixed, half random, capped. */
export function backoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
