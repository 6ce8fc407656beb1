// A response body as a Node stream that fails when the source goes quiet.
import { Readable } from 'node:stream';
import { networkDetail, SourceFetchError } from './source-fetch-errors.ts';

/**
 * The idle timer runs only while we wait for the source, not while the consumer is busy:
 * backpressure from a slow consumer (Kafka) is not a stalled source. `overall` ends the fetch
 * (deadline or caller) while nobody is reading; `release` frees its timers once the body ends.
 */
export class WatchedBody extends Readable {
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
