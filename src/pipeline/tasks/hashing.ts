// SHA-256 of a byte stream computed while it is read, so "did the file change" needs no
// second pass and the file is never held whole.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

export function hashing(body: Readable): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  body.on('error', (error) => stream.destroy(error));
  body.pipe(stream);
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= hash.digest('hex')) };
}
