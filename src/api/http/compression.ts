// Compression of data answers, done here rather than by @fastify/compress (which handles every
// other answer) so that a cached body is compressed once per encoding and cached too, and the
// ETag names the encoding it describes. Brotli at quality 4 and gzip at level 6: both several
// times smaller for CSV and JSON at a small fraction of the time a slow link takes to carry them.
import { brotliCompressSync, constants, createBrotliCompress, createGzip, gzipSync } from 'node:zlib';
import type { Transform } from 'node:stream';

export type Encoding = 'br' | 'gzip';

/** Below this many bytes compression gains less than its headers and time cost. */
export const MIN_COMPRESSED_BYTES = 1024;

const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };

/**
 * Accept-Encoding values seen -> their choice: clients send a few distinct ones, each request
 * one. Bounded in entries and in length (a long header is parsed each time, never kept).
 */
const chosen = new Map<string, Encoding | null>();
const MAX_CHOSEN = 256;
const MAX_KEPT_LENGTH = 256;

/** The best encoding the client accepts (RFC 9110 12.5.3): brotli, then gzip; null for none. */
export function chooseEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  let choice = chosen.get(header);
  if (choice === undefined) {
    choice = parseChoice(header);
    if (header.length > MAX_KEPT_LENGTH) return choice;
    if (chosen.size >= MAX_CHOSEN) chosen.clear();
    chosen.set(header, choice);
  }
  return choice;
}

function parseChoice(header: string): Encoding | null {
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [token, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (token) weights.set(token.trim(), q === undefined ? 1 : Number(q));
  }
  const accepts = (name: Encoding) => (weights.get(name) ?? weights.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return null;
}

export function compressBody(body: Buffer, encoding: Encoding): Buffer {
  return encoding === 'br' ? brotliCompressSync(body, BROTLI) : gzipSync(body);
}

export function compressingStream(encoding: Encoding): Transform {
  return encoding === 'br' ? createBrotliCompress(BROTLI) : createGzip();
}
