// The faults the source server can break a route with (a status, a hang, a trickle, a truncated
// or reset body, a header only, a renamed column, an error page, a changed layout), how each is
// answered, and the check, made when a test sets one, that it can apply.
import http from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { HTML_TYPE, page, resolve, send, type Content, type Resolved } from './served-content.ts';
import { changeListLayout, changePostLayout, formatCsvLine, parseCsvLine, type LayoutVariant } from './source-content.ts';

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

/** Fail in the test's own setFault call, not later as a puzzling 500. */
export function checkFault(routeName: string, fault: Fault, content: Content | undefined): void {
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 0)) throw new Error(`fault.times must be a non-negative integer`);
  if (fault.kind === 'trickle' && !(fault.bytesPerSecond > 0)) throw new Error('trickle: bytesPerSecond must be > 0');
  if (fault.kind === 'status' && !(fault.status >= 100 && fault.status <= 599)) throw new Error(`status ${fault.status} is not an HTTP status`);
  if (!content) return;
  const c = resolve(content);
  if (fault.kind === 'renameColumn') {
    const found = routeName === 'ecdc' || routeName === 'who' ? headerFields(firstLine(c).text).includes(fault.from) : c.read().toString('utf8').includes(fault.from);
    if (!found) throw new Error(`renameColumn: ${JSON.stringify(fault.from)} not found in ${routeName}`);
  }
  if (fault.kind === 'changedLayout' && routeName.startsWith('post:')) changePostLayout(c.read().toString('utf8'), fault.variant);
}

/** Answers `req` as `fault` says; `closing` ends trickles when the server closes. */
export function applyFault(req: http.IncomingMessage, res: http.ServerResponse, fault: Fault, key: string, content: Content | undefined, closing: AbortSignal): void {
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
      else void trickle(res, c.open(), fault.bytesPerSecond, closing);
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

async function trickle(res: http.ServerResponse, source: Readable, bytesPerSecond: number, closing: AbortSignal): Promise<void> {
  const tickMs = Math.max(10, 1000 / bytesPerSecond);
  const perTick = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000));
  const stop = AbortSignal.any([closing, abortOnClose(res)]);
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
