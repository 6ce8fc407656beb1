// The two shapes a produced answer body takes on its way out (http/data-reply.ts): a short
// stream read whole (sent and cached as one buffer), and a long one passed through while a copy
// is kept for the response cache as long as it stays under the cache's size limit.
import { Readable } from 'node:stream';

/** The whole text when it ends before `min` bytes, else a stream of all of it (the read part first). */
export async function smallOrStream(source: AsyncIterable<string>, min: number): Promise<Buffer | AsyncIterable<string>> {
  const iterator = source[Symbol.asyncIterator]();
  const head: string[] = [];
  let size = 0;
  while (size < min) {
    const next = await iterator.next();
    if (next.done) return Buffer.from(head.join(''));
    head.push(next.value);
    size += Buffer.byteLength(next.value);
  }
  return (async function* () {
    try {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // A client gone mid-answer ends this generator early: let the source close its query too.
      await iterator.return?.();
    }
  })();
}

/** The stream passed through, and its whole body stored when it ends within `limit` bytes. */
export function cachingStream(source: AsyncIterable<string>, limit: number, store: (body: Buffer) => void): Readable {
  return Readable.from(
    (async function* () {
      let chunks: Buffer[] | null = [];
      let size = 0;
      for await (const text of source) {
        const chunk = Buffer.from(text);
        if (chunks) {
          size += chunk.length;
          if (size > limit) chunks = null;
          else chunks.push(chunk);
        }
        yield chunk;
      }
      if (chunks) store(Buffer.concat(chunks));
    })(),
    { objectMode: false },
  );
}
