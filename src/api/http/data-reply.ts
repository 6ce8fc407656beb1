// Answers a data request from the current data version: an ETag derived from the version (and
// the representation), 304 for a matching If-None-Match, else the body from the response cache
// or freshly produced. Produced bodies are cached under (version, request key); a streamed body
// is cached too when it turns out small, and otherwise only passes through.
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DataVersionService } from '../services/data-version.service.ts';
import type { LruCache } from '../services/lru-cache.ts';

export interface DataReplyDeps {
  versions: DataVersionService;
  bodies: LruCache<Buffer>;
  /** Streamed bodies larger than this are not cached. */
  maxCachedBody: number;
}

export interface DataAnswer {
  /** Everything the body depends on besides the data version (route and normalized parameters). */
  key: string;
  /** The representation, part of the ETag (the same URL can be JSON or CSV). */
  variant: string;
  contentType: string;
  /** Validation that needs the version (does the country have data?) goes here too. */
  prepare?: (version: string) => Promise<void>;
  produce: (version: string) => Promise<Buffer | AsyncIterable<string>>;
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored.
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function cachingStream(source: AsyncIterable<string>, limit: number, store: (body: Buffer) => void): Readable {
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

export async function replyWithData(
  deps: DataReplyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  answer: DataAnswer,
): Promise<FastifyReply> {
  const version = await deps.versions.current();
  await answer.prepare?.(version);
  const etag = `"${version}.${answer.variant}"`;
  // The data is the same for every key holder, but it is only for key holders: browsers may
  // keep it, shared caches may not, and everyone revalidates (the ETag makes that cheap).
  reply.header('etag', etag).header('cache-control', 'private, no-cache').header('vary', 'accept');
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();

  const cacheKey = `${version}|${answer.key}`;
  const cached = deps.bodies.get(cacheKey);
  reply.type(answer.contentType);
  if (cached) return reply.send(cached);
  const body = await answer.produce(version);
  if (Buffer.isBuffer(body)) {
    deps.bodies.set(cacheKey, body);
    return reply.send(body);
  }
  return reply.send(cachingStream(body, deps.maxCachedBody, (complete) => deps.bodies.set(cacheKey, complete)));
}
