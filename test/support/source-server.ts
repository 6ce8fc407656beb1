// A local HTTP server standing in for the three sources, so that integration, e2e and fault tests
// never reach the internet and can break a source on purpose. It serves the real copies from
// ../shared/data (never copied into the repository) and the hand-built list-page fixtures:
//
//   /ecdc.csv                      route 'ecdc'        (default: SOURCE_FILES.ecdcFinal)
//   /who.csv                       route 'who'         (default: SOURCE_FILES.whoDaily)
//   /stopkoronavirus/[?PAGEN_1=N]  route 'list:N'      (fault key 'list:N', then 'list')
//   /stopkoronavirus/<slug>/       route 'post:<slug>' (fault key 'post:<slug>', then 'post')
//
// CSVs and saved posts are streamed from disk with an ETag (size + mtime) and Last-Modified, and
// answer 304 to a matching If-None-Match / If-Modified-Since, like the real hosts: the pipeline's
// "did the WHO file change" check is tested against that. Content set in memory (setBody, list
// pages, generated posts) gets an ETag from a hash of its bytes.
//
// Faults are set per route and apply before anything else (conditional requests included);
// `times: N` breaks only the next N requests of that route, then it serves normally again.
// close() destroys every open connection (hung and trickling ones included), and the listening
// socket and timers are unref'd, so a server can never keep the test process alive.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  SOURCE_FILES,
  STOPCORONAVIRUS_PATH,
  changeListLayout,
  changePostLayout,
  formatCsvLine,
  listCards,
  listFixtureFiles,
  parseCsvLine,
  renderArticlePage,
  renderListPage,
  russianDate,
  savedPosts,
  type GeneratedPost,
  type LayoutVariant,
  type ListCard,
} from './source-content.ts';

export * from './source-content.ts';

export type CsvRoute = 'ecdc' | 'who';
/** Where a fault applies: a CSV, every list page or one, every post or one. */
export type RouteKey = CsvRoute | 'list' | `list:${number}` | 'post' | `post:${string}`;

type FaultKind =
  /** 500, 503, 429 (+ Retry-After seconds), 404…; `body` defaults to a small HTML page. */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  /** The request is accepted and never answered. */
  | { kind: 'hang' }
  /** 200 with the full Content-Length, then the real bytes at this rate (1 = one byte a second). */
  | { kind: 'trickle'; bytesPerSecond: number }
  /** 200 with only the first N bytes (Content-Length N): the response itself ends normally. */
  | { kind: 'truncate'; bytes: number }
  /** 200 with the full Content-Length, N bytes, then the connection is destroyed mid-body. */
  | { kind: 'reset'; afterBytes: number }
  /** Only the first line (the CSV header, with its line ending). */
  | { kind: 'headerOnly' }
  /** CSV: the header column `from` is called `to`. HTML: every `from` in the page becomes `to`. */
  | { kind: 'renameColumn'; from: string; to: string }
  /** 200 text/html error page (maintenance / WAF) instead of the content. */
  | { kind: 'errorPage' }
  /**
   * List: cards carry other classes (no a.u-material-card). Post: `variant` (default noTable):
   * noTable, noHeading (no week dates), noCountryRow (no "Российская Федерация" row).
   * CSV: the same data, semicolon-delimited.
   */
  | { kind: 'changedLayout'; variant?: LayoutVariant };

/** `times`: break only the next N requests of the route, then serve normally. Default: all. */
export type Fault = FaultKind & { times?: number };

export interface RecordedRequest {
  /** Most specific route ('ecdc', 'list:2', 'post:<slug>'), or 'other'. */
  route: RouteKey | 'other';
  method: string;
  /** Path and query, e.g. /stopkoronavirus/?PAGEN_1=2 */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The status sent; undefined while (or if never) answered, e.g. a hang. */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: Fault['kind'];
}

export interface CardInfo {
  title?: string;
  /** YYYY-MM-DD (shown as "9 апреля 2024") or the card's text as is. */
  date?: string;
}

export interface SourceServer {
  /** http://127.0.0.1:<port> */
  url: string;
  ecdcUrl: string;
  whoUrl: string;
  /** The list page, `${url}/stopkoronavirus/`: the value for SOURCE_STOPCORONAVIRUS_URL. */
  stopcoronavirusUrl: string;
  postUrl(slug: string): string;
  /** Serve this file for a CSV route (streamed; ETag from size + mtime). */
  setFile(route: CsvRoute, absolutePath: string): void;
  /** Serve these bytes for a CSV route, or as a post (`post:<slug>`). ETag from a hash. */
  setBody(route: CsvRoute | `post:${string}`, body: string | Buffer, contentType?: string): void;
  /** null clears it. Throws at once when the fault cannot apply (e.g. an unknown column). */
  setFault(route: RouteKey, fault: Fault | null): void;
  clearFaults(): void;
  /**
   * The list shows these posts, newest first, `pageSize` per page (default: the fixtures' 8),
   * in the fixtures' structure. null: back to the fixture pages themselves.
   */
  setListPosts(slugs: readonly string[] | null, options?: { pageSize?: number }): void;
  /** The slugs the list shows now, newest first. */
  listPosts(): string[];
  /** Serve a post (generated HTML); `card` is what its list card shows. Not listed by itself. */
  addPost(slug: string, html: string | Buffer, card?: CardInfo): void;
  /** addPost, then put it first in the list: "the site published a new weekly post". */
  publishPost(post: Pick<GeneratedPost, 'slug' | 'html'> & { title?: string; published?: string }): void;
  /** Requests received, oldest first; `route` filters ('list' and 'post' include their pages). */
  requests(route?: RouteKey): RecordedRequest[];
  clearRequests(): void;
  /** Back to the defaults: files, fixture list, saved posts only, no faults, no requests. */
  reset(): void;
  close(): Promise<void>;
}

export interface SourceServerOptions {
  ecdcFile?: string;
  whoFile?: string;
  /** A page number past the last: the last page again (as Bitrix does, default) or no cards. */
  pastLastPage?: 'repeat' | 'empty';
}

const CSV_TYPE = 'text/csv; charset=utf-8';
const HTML_TYPE = 'text/html; charset=UTF-8';

type Content =
  | { kind: 'file'; path: string; contentType: string }
  | { kind: 'buffer'; data: Buffer; contentType: string; modified: Date };

/** A content as served: its validators and ways to read it. */
interface Resolved {
  contentType: string;
  size: number;
  etag: string;
  lastModified: Date;
  open(start?: number, end?: number): Readable;
  read(): Buffer;
  /** The first `max` bytes (or fewer). */
  head(max: number): Buffer;
}

export async function startSourceServer(options: SourceServerOptions = {}): Promise<SourceServer> {
  const defaults = { ecdc: options.ecdcFile ?? SOURCE_FILES.ecdcFinal, who: options.whoFile ?? SOURCE_FILES.whoDaily };
  const pastLastPage = options.pastLastPage ?? 'repeat';
  const fixturePages = listFixtureFiles();
  const fixtureCards = fixturePages.map((file) => listCards(readFileSync(file, 'utf8')));
  const defaultPageSize = fixtureCards[0]?.length || 8;
  const saved = new Map(savedPosts().map((p) => [p.slug, p]));

  let csv: Record<CsvRoute, Content>;
  let list: { slugs: string[]; pageSize: number; pages: Map<number, Content> } | null;
  let posts: Map<string, Content>;
  let cards: Map<string, CardInfo>;
  let faults: Map<string, { fault: Fault; used: number }>;
  let log: RecordedRequest[];
  const reset = () => {
    csv = { ecdc: fileContent(defaults.ecdc, CSV_TYPE), who: fileContent(defaults.who, CSV_TYPE) };
    list = null;
    posts = new Map();
    cards = new Map();
    faults = new Map();
    log = [];
  };
  reset();

  const closing = new AbortController();

  function cardFor(slug: string): ListCard {
    const own = cards.get(slug);
    const fixture = fixtureCards.flat().find((c) => c.slug === slug);
    const post = saved.get(slug);
    const title = own?.title ?? fixture?.title ?? post?.title ?? slug;
    const date = own?.date ? russianDate(own.date) : (fixture?.date ?? (post ? russianDate(post.savedOn) : ''));
    return { slug, title, date };
  }

  function listPage(requested: number): Content {
    if (list === null) {
      const count = fixturePages.length;
      if (count === 0) throw new Error('source-server: no list fixtures in test/fixtures/stopcoronavirus');
      if (requested <= count) return fileContent(fixturePages[requested - 1]!, HTML_TYPE);
      return pastLastPage === 'repeat' ? fileContent(fixturePages[count - 1]!, HTML_TYPE) : bufferContent(renderListPage([], requested, count), HTML_TYPE);
    }
    const count = Math.max(1, Math.ceil(list.slugs.length / list.pageSize));
    const page = requested > count && pastLastPage === 'repeat' ? count : requested;
    let content = list.pages.get(page);
    if (!content) {
      const slice = list.slugs.slice((page - 1) * list.pageSize, page * list.pageSize);
      content = bufferContent(renderListPage(slice.map(cardFor), page, count), HTML_TYPE);
      list.pages.set(page, content);
    }
    return content;
  }

  function currentSlugs(): string[] {
    return list ? [...list.slugs] : fixtureCards.flat().map((c) => c.slug);
  }

  function postContent(slug: string): Content | undefined {
    const own = posts.get(slug);
    if (own) return own;
    const post = saved.get(slug);
    if (post) return fileContent(post.file, HTML_TYPE);
    // Listed (a news item, not a weekly report) but never saved: a plain article page.
    if (currentSlugs().includes(slug) || cards.has(slug)) {
      const card = cardFor(slug);
      return bufferContent(renderArticlePage(slug, card.title, card.date), HTML_TYPE);
    }
    return undefined;
  }

  /** The route of a request path: its key, the fault keys to look up, and its content. */
  function route(url: URL): { key: RouteKey | 'other'; faultKeys: string[]; content?: Content; redirect?: string } {
    if (url.pathname === '/ecdc.csv') return { key: 'ecdc', faultKeys: ['ecdc'], content: csv.ecdc };
    if (url.pathname === '/who.csv') return { key: 'who', faultKeys: ['who'], content: csv.who };
    if (url.pathname === STOPCORONAVIRUS_PATH) {
      // Bitrix paging: a missing or unreadable PAGEN_1 is page 1.
      const n = Number(url.searchParams.get('PAGEN_1') ?? '1');
      const page = Number.isInteger(n) && n >= 1 ? n : 1;
      return { key: `list:${page}`, faultKeys: [`list:${page}`, 'list'], content: listPage(page) };
    }
    const post = /^\/stopkoronavirus\/([^/]+)(\/?)$/.exec(url.pathname);
    if (post) {
      const slug = decodeURIComponent(post[1]!);
      // The site redirects a post URL without its trailing slash.
      if (post[2] === '') return { key: `post:${slug}`, faultKeys: [], redirect: `${url.pathname}/${url.search}` };
      return { key: `post:${slug}`, faultKeys: [`post:${slug}`, 'post'], content: postContent(slug) };
    }
    if (url.pathname === '/stopkoronavirus') return { key: 'list:1', faultKeys: [], redirect: STOPCORONAVIRUS_PATH };
    return { key: 'other', faultKeys: [] };
  }

  function takeFault(keys: string[]): Fault | undefined {
    for (const key of keys) {
      const entry = faults.get(key);
      if (!entry) continue;
      if (entry.fault.times !== undefined && entry.used >= entry.fault.times) continue;
      entry.used++;
      return entry.fault;
    }
    return undefined;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: RecordedRequest = { route: 'other', method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers } };
    log.push(record);
    res.on('error', () => undefined);
    try {
      handle(url, req, res, record);
    } finally {
      // Every answer is started synchronously (writeHead), so the status is known here; a hang has none.
      if (record.fault !== 'hang') record.status = res.statusCode;
    }
  });

  function handle(url: URL, req: http.IncomingMessage, res: http.ServerResponse, record: RecordedRequest): void {
    try {
      const r = route(url);
      record.route = r.key;
      if (r.redirect) {
        res.writeHead(301, { location: r.redirect, 'content-length': 0 }).end();
        return;
      }
      const fault = takeFault(r.faultKeys);
      if (fault) {
        record.fault = fault.kind;
        applyFault(req, res, fault, r.key, r.content);
        return;
      }
      if (!r.content) {
        send(res, 404, HTML_TYPE, page('404 Not Found', 'Страница не найдена'));
        return;
      }
      serve(req, res, resolve(r.content));
    } catch (error) {
      // A mistake in a test's setup, not a fault: say so loudly in the body.
      if (res.headersSent) res.destroy();
      else send(res, 500, 'text/plain; charset=utf-8', `source-server error: ${String(error)}`);
    }
  }

  function applyFault(req: http.IncomingMessage, res: http.ServerResponse, fault: Fault, key: string, content: Content | undefined): void {
    const head = req.method === 'HEAD';
    const isCsv = key === 'ecdc' || key === 'who';
    switch (fault.kind) {
      case 'status': {
        const headers: http.OutgoingHttpHeaders = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        send(res, fault.status, HTML_TYPE, fault.body ?? page(`${fault.status} ${http.STATUS_CODES[fault.status] ?? ''}`, 'Error'), headers, head);
        return;
      }
      case 'hang':
        // Never answered; close() destroys the socket.
        return;
      case 'errorPage':
        send(res, 200, HTML_TYPE, isCsv ? page('Service Unavailable', 'The service is temporarily unavailable. Please try again later.') : page('Технические работы', 'Сайт временно недоступен. Ведутся технические работы.'), {}, head);
        return;
    }
    if (!content) {
      send(res, 404, HTML_TYPE, page('404 Not Found', 'Страница не найдена'));
      return;
    }
    const c = resolve(content);
    const validators = { etag: c.etag, 'last-modified': c.lastModified.toUTCString() };
    switch (fault.kind) {
      case 'truncate': {
        const n = Math.min(fault.bytes, c.size);
        res.writeHead(200, { 'content-type': c.contentType, 'content-length': n, ...validators });
        if (head || n === 0) res.end();
        else pipeline(c.open(0, n), res, () => undefined);
        return;
      }
      case 'reset': {
        res.writeHead(200, { 'content-type': c.contentType, 'content-length': c.size, ...validators });
        const part = c.open(0, Math.min(fault.afterBytes, c.size));
        part.on('end', () => res.destroy());
        part.pipe(res, { end: false });
        return;
      }
      case 'trickle': {
        res.writeHead(200, { 'content-type': c.contentType, 'content-length': c.size, ...validators });
        res.flushHeaders();
        if (head) res.end();
        else void trickle(res, c.open(), fault.bytesPerSecond);
        return;
      }
      case 'headerOnly':
        send(res, 200, c.contentType, firstLine(c).text, validators, head);
        return;
      case 'renameColumn': {
        if (!isCsv) {
          send(res, 200, c.contentType, c.read().toString('utf8').replaceAll(fault.from, fault.to), validators, head);
          return;
        }
        const line = firstLine(c);
        const header = Buffer.from(renameInHeader(line.text, fault.from, fault.to), 'utf8');
        res.writeHead(200, { 'content-type': c.contentType, 'content-length': header.length + c.size - line.bytes, ...validators });
        if (head) res.end();
        else pipeline(Readable.from(concatStreams([Readable.from([header]), c.open(line.bytes)])), res, () => undefined);
        return;
      }
      case 'changedLayout': {
        const text = c.read().toString('utf8');
        const changed = isCsv ? toSemicolons(text) : key.startsWith('list') ? changeListLayout(text) : changePostLayout(text, fault.variant);
        send(res, 200, c.contentType, changed, validators, head);
        return;
      }
    }
  }

  async function trickle(res: http.ServerResponse, source: Readable, bytesPerSecond: number): Promise<void> {
    const tickMs = Math.max(10, 1000 / bytesPerSecond);
    const perTick = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000));
    const stop = AbortSignal.any([closing.signal, abortOnClose(res)]);
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        for (let i = 0; i < chunk.length; i += perTick) {
          if (stop.aborted) return;
          res.write(chunk.subarray(i, i + perTick));
          // unref: a trickle alone must not keep the process alive.
          await sleep(tickMs, undefined, { signal: stop, ref: false });
        }
      }
      res.end();
    } catch {
      // Client gone or server closing.
    } finally {
      source.destroy();
    }
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  server.unref();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: SourceServer = {
    url: base,
    ecdcUrl: `${base}/ecdc.csv`,
    whoUrl: `${base}/who.csv`,
    stopcoronavirusUrl: `${base}${STOPCORONAVIRUS_PATH}`,
    postUrl: (slug) => `${base}${STOPCORONAVIRUS_PATH}${encodeURIComponent(slug)}/`,
    setFile(routeName, absolutePath) {
      if (!statSync(absolutePath).isFile()) throw new Error(`source-server: ${absolutePath} is not a file`);
      csv[routeName] = fileContent(absolutePath, CSV_TYPE);
    },
    setBody(routeName, body, contentType) {
      if (routeName === 'ecdc' || routeName === 'who') csv[routeName] = bufferContent(body, contentType ?? CSV_TYPE);
      else posts.set(routeName.slice('post:'.length), bufferContent(body, contentType ?? HTML_TYPE));
    },
    setFault(routeName, fault) {
      if (fault === null) {
        faults.delete(routeName);
        return;
      }
      checkFault(routeName, fault);
      faults.set(routeName, { fault, used: 0 });
    },
    clearFaults: () => faults.clear(),
    setListPosts(slugs, listOptions) {
      list = slugs === null ? null : { slugs: [...slugs], pageSize: listOptions?.pageSize ?? defaultPageSize, pages: new Map() };
    },
    listPosts: currentSlugs,
    addPost(slug, html, card) {
      posts.set(slug, bufferContent(html, HTML_TYPE));
      if (card) cards.set(slug, card);
      if (list) list.pages.clear();
    },
    publishPost(post) {
      api.addPost(post.slug, post.html, { ...(post.title ? { title: post.title } : {}), ...(post.published ? { date: post.published } : {}) });
      api.setListPosts([post.slug, ...currentSlugs().filter((s) => s !== post.slug)], list ? { pageSize: list.pageSize } : {});
    },
    requests(routeName) {
      if (routeName === undefined) return [...log];
      return log.filter((r) => r.route === routeName || ((routeName === 'list' || routeName === 'post') && r.route.startsWith(`${routeName}:`)));
    },
    clearRequests: () => {
      log = [];
    },
    reset,
    close() {
      closing.abort();
      return new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    },
  };
  return api;

  /** Fail in the test's own setFault call, not later as a puzzling 500. */
  function checkFault(routeName: RouteKey, fault: Fault): void {
    if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 0)) throw new Error(`fault.times must be a non-negative integer`);
    if (fault.kind === 'trickle' && !(fault.bytesPerSecond > 0)) throw new Error('trickle: bytesPerSecond must be > 0');
    if (fault.kind === 'status' && !(fault.status >= 100 && fault.status <= 599)) throw new Error(`status ${fault.status} is not an HTTP status`);
    const content = routeName === 'ecdc' || routeName === 'who' ? csv[routeName] : routeName.startsWith('post:') ? postContent(routeName.slice(5)) : undefined;
    if (!content) return;
    const c = resolve(content);
    if (fault.kind === 'renameColumn') {
      const found = routeName === 'ecdc' || routeName === 'who' ? headerFields(firstLine(c).text).includes(fault.from) : c.read().toString('utf8').includes(fault.from);
      if (!found) throw new Error(`renameColumn: ${JSON.stringify(fault.from)} not found in ${routeName}`);
    }
    if (fault.kind === 'changedLayout' && routeName.startsWith('post:')) changePostLayout(c.read().toString('utf8'), fault.variant);
  }
}

// ---------------------------------------------------------------------------------------------

function fileContent(path: string, contentType: string): Content {
  return { kind: 'file', path, contentType };
}

function bufferContent(body: string | Buffer, contentType: string): Content {
  // HTTP dates have whole seconds: keep the same precision for If-Modified-Since.
  return { kind: 'buffer', data: Buffer.from(body), contentType, modified: new Date(Math.floor(Date.now() / 1000) * 1000) };
}

function resolve(content: Content): Resolved {
  if (content.kind === 'buffer') {
    const { data } = content;
    return {
      contentType: content.contentType,
      size: data.length,
      etag: `"${createHash('sha256').update(data).digest('base64url').slice(0, 27)}"`,
      lastModified: content.modified,
      open: (start = 0, end = data.length) => Readable.from([data.subarray(start, end)]),
      read: () => data,
      head: (max) => data.subarray(0, max),
    };
  }
  const info = statSync(content.path);
  return {
    contentType: content.contentType,
    size: info.size,
    // Size and mtime change with the content in practice (and cost no read of 13 MB).
    etag: `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`,
    lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000),
    open: (start = 0, end = info.size) => (end <= start ? Readable.from([]) : createReadStream(content.path, { start, end: end - 1 })),
    read: () => readFileSync(content.path),
    head: (max) => {
      const fd = openSync(content.path, 'r');
      try {
        const buffer = Buffer.alloc(Math.min(max, info.size));
        return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Normal answer: 304 for a matching validator, else 200 streamed. */
function serve(req: http.IncomingMessage, res: http.ServerResponse, c: Resolved): void {
  const validators = { etag: c.etag, 'last-modified': c.lastModified.toUTCString(), 'cache-control': 'no-cache' };
  if (notModified(req, c)) {
    res.writeHead(304, validators).end();
    return;
  }
  res.writeHead(200, { 'content-type': c.contentType, 'content-length': c.size, ...validators });
  if (req.method === 'HEAD') res.end();
  else pipeline(c.open(), res, () => undefined);
}

function notModified(req: http.IncomingMessage, c: Resolved): boolean {
  const inm = req.headers['if-none-match'];
  // RFC 9110 13.1.3: If-None-Match wins over If-Modified-Since; weak comparison for GET.
  if (inm !== undefined) {
    const tags = inm.split(',').map((t) => t.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(c.etag.replace(/^W\//, ''));
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && c.lastModified.getTime() <= since;
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: http.OutgoingHttpHeaders = {}, head = false): void {
  const data = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'content-type': contentType, 'content-length': data.length, ...headers });
  res.end(head ? undefined : data);
}

function page(title: string, text: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`;
}

function abortOnClose(res: http.ServerResponse): AbortSignal {
  const ctl = new AbortController();
  res.once('close', () => ctl.abort());
  return ctl.signal;
}

/** The first line with its line ending (`text`), and its length in bytes. */
function firstLine(c: Resolved): { text: string; bytes: number } {
  const head = c.head(64 * 1024);
  const nl = head.indexOf(0x0a);
  const bytes = nl < 0 ? head.length : nl + 1;
  return { text: head.subarray(0, bytes).toString('utf8'), bytes };
}

function headerFields(line: string): string[] {
  return parseCsvLine(line.replace(/^\uFEFF/, '').replace(/\r?\n$/, ''));
}

function renameInHeader(line: string, from: string, to: string): string {
  const bom = line.startsWith('\uFEFF') ? '\uFEFF' : '';
  const eol = /\r?\n$/.exec(line)?.[0] ?? '';
  return bom + formatCsvLine(headerFields(line).map((f) => (f === from ? to : f))) + eol;
}

function toSemicolons(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const cr = line.endsWith('\r') ? '\r' : '';
      return line === '' ? line : formatCsvLine(parseCsvLine(cr ? line.slice(0, -1) : line), ';') + cr;
    })
    .join('\n');
}

async function* concatStreams(streams: Readable[]): AsyncGenerator<Buffer> {
  for (const stream of streams) for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
}
