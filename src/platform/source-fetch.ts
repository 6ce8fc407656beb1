// Opens a source location as a byte stream: `file://` (local copies) or `http(s)://`
// (source-fetch-http.ts: time-outs, retries, typed errors). The modules beside this one:
// source-fetch-errors.ts (codes), source-fetch-body.ts (idle-watched body),
// source-fetch-text.ts (small documents, charset decoding).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SourceFetchError } from './source-fetch-errors.ts';
import { openHttp, type FetchOptions } from './source-fetch-http.ts';

export { SOURCE_FETCH_ERROR_CODES, SourceFetchError, type SourceFetchErrorCode } from './source-fetch-errors.ts';
export { FETCH_DEFAULTS, parseRetryAfter, type FetchOptions } from './source-fetch-http.ts';
export { fetchText, type FetchTextOptions } from './source-fetch-text.ts';

export interface OpenedSource {
  body: Readable;
  /** The final URL (after redirects). */
  url: string;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /** Bytes the body must have (Content-Length of an uncompressed answer): less is a truncated read. */
  contentLength?: number;
  /** A conditional GET answered 304: the body is empty. */
  notModified?: boolean;
}

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
