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
// Serving with validators is served-content.ts, the faults source-faults.ts.
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bufferContent, CSV_TYPE, fileContent, HTML_TYPE, page, resolve, send, serve, type Content } from './served-content.ts';
import { applyFault, checkFault, type Fault } from './source-faults.ts';
import {
  SOURCE_FILES,
  STOPCORONAVIRUS_PATH,
  listCards,
  listFixtureFiles,
  renderArticlePage,
  renderListPage,
  russianDate,
  savedPosts,
  type GeneratedPost,
  type ListCard,
} from './source-content.ts';

export * from './source-content.ts';
export type { Fault } from './source-faults.ts';

export type CsvRoute = 'ecdc' | 'who';
/** Where a fault applies: a CSV, every list page or one, every post or one. */
export type RouteKey = CsvRoute | 'list' | `list:${number}` | 'post' | `post:${string}`;

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
        applyFault(req, res, fault, r.key, r.content, closing.signal);
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
      checkFault(routeName, fault, routeName === 'ecdc' || routeName === 'who' ? csv[routeName] : routeName.startsWith('post:') ? postContent(routeName.slice(5)) : undefined);
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
}
