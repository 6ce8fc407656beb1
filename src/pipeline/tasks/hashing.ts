// SHA-256 of a byte stream computed while it is read, so "did the file change" needs no
// second pass and the file is never held whole. It also counts the bytes (against the answer's
// Content-Length) and keeps the first few kB (to tell an HTML page from a CSV file).
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

const HEAD_BYTES = 4096;

export function hashing(body: Readable): { stream: Readable; digest: () => string; bytes: () => number; head: () => Buffer } {
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      callback(null, chunk);
    },
  });
  body.on('error', (error) => stream.destroy(error));
  body.pipe(stream);
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= hash.digest('hex')), bytes: () => bytes, head: () => head };
}
