// Answers a data request from the data versions in memory (no I/O when the answer is cached):
// the version of the one country the answer is about, or of all data; an ETag derived from that
// version and the representation; 304 for a matching If-None-Match; else the body from the
// response cache or freshly produced. A cached entry keeps its headers ready, so a hit only
// looks up one key. Produced bodies are cached under (version, request key); a streamed body is
// cached too when it turns out small, and otherwise only passes through.
//
// The fast path (bench/api-profile.ts showed validation and the route's own work on every hit):
// the request key an exact URL (with its Accept) led to is remembered once its answer was
// produced, so a repeated URL is answered from the cache by a hook that runs right after the
// key check and the rate limit, before parsing and validation. Only URLs that passed
// validation are remembered, and the URL and Accept determine the key, so it answers exactly
// what the route would; anything not cached for the current version takes the normal path.
//
// Compression (http/compression.ts): answers for clients that accept brotli or gzip are
// compressed here, a cached body once per encoding (cached beside the plain one, under its key
// plus the encoding), a streamed export as it streams; the ETag names the encoding.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DataVersionService } from '../services/data-version.service.ts';
import { pacedStream, type ByteBudget } from '../services/byte-budget.ts';
import type { ExportFile, ExportFiles } from '../services/export-files.ts';
import type { ExportSlots, ReleaseSlot } from '../services/export-slots.ts';
import type { LruCache } from '../services/lru-cache.ts';
import { cachingStream, smallOrStream } from './body-streams.ts';
import { chooseEncoding, compressBody, compressingStream, MIN_COMPRESSED_BYTES, type Encoding } from './compression.ts';

export interface CachedAnswer {
  body: Buffer;
  etag: string;
  /** Every header of the answer but those the server adds to all (security, length). */
  headers: Readonly<Record<string, string>>;
}

export interface DataReplyDeps {
  versions: DataVersionService;
  bodies: LruCache<CachedAnswer>;
  /** Streamed bodies larger than this are not cached. */
  maxCachedBody: number;
  /** Request URL (and Accept) -> what its answer depends on, and its route pattern (the fast path). */
  remembered: RememberedUrls;
  /** Caps on exports in progress (answers marked `exportBy`). */
  exports: ExportSlots;
  /** Exports rendered once per data version (and encoding), sent from files. */
  exportFiles: ExportFiles;
  /** Bytes per second all exports together may send (EXPORT_BYTES_PER_SECOND; none: no limit). */
  exportBudget?: ByteBudget | undefined;
}

export interface RememberedUrl {
  key: string;
  countries: readonly string[] | undefined;
  /** The route pattern (metrics label). */
  route: string;
  /** The data version the cache keys below were made for (none yet: undefined). */
  version: string | undefined;
  /** `<version>|<key>`, and the same with each encoding: built once per version, not per request. */
  cacheKeys: { plain: string; br: string; gzip: string };
}

/** Remembered URLs at most: past it the memory starts again empty (URLs are cheap to relearn). */
const MAX_REMEMBERED = 10_000;

/**
 * URL, then Accept -> its remembered answer: two lookups by the strings Node already parsed, so
 * a request builds no key string (the profile of cached answers showed that concatenation).
 */
export class RememberedUrls {
  readonly #byUrl = new Map<string, Map<string, RememberedUrl>>();
  #size = 0;

  get(url: string, accept: string | undefined): RememberedUrl | undefined {
    return this.#byUrl.get(url)?.get(accept ?? '');
  }

  /** Remembers `url` with `accept` unless it is already; forgets everything first when full. */
  add(url: string, accept: string | undefined, answer: Pick<RememberedUrl, 'key' | 'countries' | 'route'>): void {
    if (this.get(url, accept)) return;
    if (this.#size >= MAX_REMEMBERED) {
      this.#byUrl.clear();
      this.#size = 0;
    }
    let byAccept = this.#byUrl.get(url);
    if (!byAccept) {
      byAccept = new Map();
      this.#byUrl.set(url, byAccept);
    }
    byAccept.set(accept ?? '', { ...answer, version: undefined, cacheKeys: { plain: '', br: '', gzip: '' } });
    this.#size++;
  }

  get size(): number {
    return this.#size;
  }
}

export interface DataAnswer {
  /** Everything the body depends on besides the data version (route and normalized parameters). */
  key: string;
  /** The countries the body is about: with exactly one, only that country's new data changes it. */
  countries?: readonly string[] | undefined;
  /** The representation, part of the ETag (the same URL can be JSON or CSV). */
  variant: string;
  contentType: string;
  /** Validation that needs the data (does the country have rows?) goes here too. */
  prepare?: (version: string) => Promise<void>;
  produce: (version: string) => Promise<Buffer | AsyncIterable<string>>;
  /**
   * The user this answer is an export for: it is rendered once per data version into a file
   * (services/export-files.ts) and each answer, from that file, takes one of the export slots.
   */
  exportBy?: string;
}

// The data is the same for every key holder, but it is only for key holders: browsers may keep
// it, shared caches may not, and everyone revalidates (the ETag makes that cheap).
const CACHE_CONTROL = 'private, no-cache';

/** The tag of an encoded representation: `"<version>.<variant>.br"`. */
const encodedTag = (etag: string, encoding: Encoding) => `${etag.slice(0, -1)}.${encoding}"`;
const plainTag = (etag: string) => etag.replace(/\.(br|gzip)"$/, '"');

/**
 * Does If-None-Match hold this tag, in any encoding? A client keeps the decoded body, so a tag
 * it got with gzip names what it has as well.
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  const plain = plainTag(etag);
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored.
  return header.split(',').some((tag) => plainTag(tag.trim().replace(/^W\//, '')) === plain);
}

export function answerVersion(versions: DataVersionService, countries: readonly string[] | undefined): string {
  return countries?.length === 1 ? versions.country(countries[0]!) : versions.all();
}

function answerHeaders(etag: string, contentType: string): Record<string, string> {
  return { etag, 'cache-control': CACHE_CONTROL, vary: 'accept, accept-encoding', 'content-type': contentType };
}

/** Set per connection or per body by the server, never part of a cached answer. */
const NOT_KEPT = new Set(['content-length', 'connection', 'transfer-encoding', 'date', 'keep-alive']);

function keptHeaders(reply: FastifyReply): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && !NOT_KEPT.has(name)) kept[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return kept;
}

function sendCached(request: FastifyRequest, reply: FastifyReply, entry: CachedAnswer): FastifyReply {
  reply.headers(entry.headers);
  if (etagMatches(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
  return reply.send(entry.body);
}

/**
 * A cached answer in the encoding the client accepts: compressed once, then from the cache.
 * `encodedKeys`: the cache keys of the encoded bodies when known (a remembered URL's).
 */
function encodedAnswer(
  deps: DataReplyDeps,
  acceptEncoding: string | undefined,
  cacheKey: string,
  plain: CachedAnswer,
  encodedKeys?: Readonly<Record<Encoding, string>>,
): CachedAnswer {
  const encoding = chooseEncoding(acceptEncoding);
  if (!encoding || plain.body.length < MIN_COMPRESSED_BYTES) return plain;
  const key = encodedKeys ? encodedKeys[encoding] : `${cacheKey}|${encoding}`;
  let encoded = deps.bodies.get(key);
  if (!encoded) {
    const etag = encodedTag(plain.etag, encoding);
    encoded = { body: compressBody(plain.body, encoding), etag, headers: { ...plain.headers, etag, 'content-encoding': encoding } };
    deps.bodies.set(key, encoded);
  }
  return encoded;
}

function sendEncoded(deps: DataReplyDeps, request: FastifyRequest, reply: FastifyReply, cacheKey: string, plain: CachedAnswer): FastifyReply {
  return sendCached(request, reply, encodedAnswer(deps, request.headers['accept-encoding'], cacheKey, plain));
}

/**
 * The cached answer for a GET of a URL answered before, in the encoding the client accepts, if
 * one is cached for the current data version; the route pattern with it. Validation and the
 * route's work are skipped: the URL passed them when it was remembered.
 */
export function rememberedAnswer(
  deps: DataReplyDeps,
  asked: { url: string; accept: string | undefined; acceptEncoding: string | undefined },
): { answer: CachedAnswer; route: string } | undefined {
  const known = deps.remembered.get(asked.url, asked.accept);
  if (!known) return undefined;
  const version = answerVersion(deps.versions, known.countries);
  const keys = known.cacheKeys;
  if (known.version !== version) {
    keys.plain = `${version}|${known.key}`;
    keys.br = `${keys.plain}|br`;
    keys.gzip = `${keys.plain}|gzip`;
    known.version = version;
  }
  const hit = deps.bodies.get(keys.plain);
  if (!hit) return undefined;
  return { answer: encodedAnswer(deps, asked.acceptEncoding, keys.plain, hit, keys), route: known.route };
}

/** An onRequest hook for after authentication: answers a remembered URL from the cache. */
export function createFastPathHook(deps: DataReplyDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.method !== 'GET') return undefined;
    const found = rememberedAnswer(deps, { url: request.url, accept: request.headers.accept, acceptEncoding: request.headers['accept-encoding'] });
    return found ? sendCached(request, reply, found.answer) : undefined;
  };
}

/**
 * Valid for the current data: a GET of this URL (and Accept) may take the fast path next time.
 * Not an export: its cached answer takes an export slot, which only this path gives.
 */
function remember(deps: DataReplyDeps, request: FastifyRequest, answer: DataAnswer): void {
  if (request.method !== 'GET' || answer.exportBy !== undefined) return;
  deps.remembered.add(request.url, request.headers.accept, { key: answer.key, countries: answer.countries, route: request.routeOptions.url ?? 'unmatched' });
}

/**
 * An export: a slot first (an export over the caps costs nothing), then the file of this data
 * version in the encoding the client accepts (rendered now unless it exists or is being
 * rendered: the request then waits for that render), sent within the server's byte budget. A
 * cached file costs ClickHouse nothing but still megabytes of socket writes and, with a slow
 * reader, a socket for long: so every export answer takes a slot, from a file or not.
 */
async function replyWithExport(
  deps: DataReplyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  { answer, version, cacheKey, etag, user }: { answer: DataAnswer; version: string; cacheKey: string; etag: string; user: string },
): Promise<FastifyReply> {
  const release = holdExportSlot(deps.exports, user, reply);
  // A client that went away before its export was admitted: nothing to render for nobody.
  if (reply.raw.destroyed) return reply.code(499).send();
  let file: ExportFile;
  let encoding: Encoding | null;
  try {
    const plain = await deps.exportFiles.get(cacheKey, () => answer.produce(version));
    encoding = plain.size >= MIN_COMPRESSED_BYTES ? chooseEncoding(request.headers['accept-encoding']) : null;
    file = encoding
      ? await deps.exportFiles.get(`${cacheKey}|${encoding}`, () => Promise.resolve(pipeline(createReadStream(plain.path), compressingStream(encoding!), () => {})))
      : plain;
  } catch (error) {
    release();
    throw error;
  }
  if (encoding) reply.header('etag', encodedTag(etag, encoding)).header('content-encoding', encoding);
  reply.header('content-length', String(file.size));
  // A client gone mid-answer destroys the paced stream, and the pipeline the file's reader; a
  // read error ends the answer (its first bytes have left).
  return reply.send(pipeline(createReadStream(file.path), pacedStream(deps.exportBudget), () => {}));
}

/**
 * An export slot, freed when the answer ends or the client goes away, whichever is first. The
 * listener goes on at once: a client gone while ClickHouse was accepting the query (its 'close'
 * already past when the answer would start) once kept its slot for good. Freed at once when the
 * connection is already closed.
 */
function holdExportSlot(slots: ExportSlots, user: string, reply: FastifyReply): ReleaseSlot {
  const release = slots.acquire(user);
  reply.raw.once('close', release);
  if (reply.raw.destroyed) release();
  return release;
}

export async function replyWithData(
  deps: DataReplyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  answer: DataAnswer,
): Promise<FastifyReply> {
  const version = answerVersion(deps.versions, answer.countries);
  const cacheKey = `${version}|${answer.key}`;
  // A cached answer passed its validation when it was produced, for this very version. The URL
  // is remembered on a hit too: the answer may have been produced for another URL or Accept
  // with the same request key (a client without Accept after one with `*/*`).
  const hit = deps.bodies.get(cacheKey);
  if (hit) {
    remember(deps, request, answer);
    return sendEncoded(deps, request, reply, cacheKey, hit);
  }

  await answer.prepare?.(version);
  // Valid: the next request for this very URL can take the fast path.
  remember(deps, request, answer);
  const etag = `"${version}.${answer.variant}"`;
  const headers = answerHeaders(etag, answer.contentType);
  reply.headers(headers);
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();

  if (answer.exportBy !== undefined) return replyWithExport(deps, request, reply, { answer, version, cacheKey, etag, user: answer.exportBy });

  const produced = await answer.produce(version);
  // Every header the route set for this answer (Content-Location, say) is kept with it.
  const kept = keptHeaders(reply);
  const store = (complete: Buffer) => deps.bodies.set(cacheKey, { body: complete, etag, headers: kept });
  // A stream that ends within its first kilobyte is a small answer: sent (and cached) whole.
  const body = Buffer.isBuffer(produced) ? produced : await smallOrStream(produced, MIN_COMPRESSED_BYTES);
  if (Buffer.isBuffer(body)) {
    store(body);
    return sendEncoded(deps, request, reply, cacheKey, { body, etag, headers: kept });
  }
  const plain = cachingStream(body, deps.maxCachedBody, store);
  const encoding = chooseEncoding(request.headers['accept-encoding']);
  if (!encoding) return reply.send(plain);
  const compressor = compressingStream(encoding);
  // An error of the source (ClickHouse gone mid-export) ends the answer: once the first bytes
  // left, the error mapper cannot answer any more.
  pipeline(plain, compressor, (error) => {
    if (error) request.log.warn({ err: error }, 'compressed export ended early');
  });
  return reply.header('etag', encodedTag(etag, encoding)).header('content-encoding', encoding).send(compressor);
}
