// What the source server serves, as a real host serves it: a file streamed from disk (ETag from
// size + mtime) or bytes set in memory (ETag from a hash), with Last-Modified, 304 for a
// matching If-None-Match / If-Modified-Since, and HEAD.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type http from 'node:http';
import { Readable, pipeline } from 'node:stream';

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=UTF-8';

export type Content =
  | { kind: 'file'; path: string; contentType: string }
  | { kind: 'buffer'; data: Buffer; contentType: string; modified: Date };

/** A content as served: its validators and ways to read it. */
export interface Resolved {
  contentType: string;
  size: number;
  etag: string;
  lastModified: Date;
  open(start?: number, end?: number): Readable;
  read(): Buffer;
  /** The first `max` bytes (or fewer). */
  head(max: number): Buffer;
}

export function fileContent(path: string, contentType: string): Content {
  return { kind: 'file', path, contentType };
}

export function bufferContent(body: string | Buffer, contentType: string): Content {
  // HTTP dates have whole seconds: keep the same precision for If-Modified-Since.
  return { kind: 'buffer', data: Buffer.from(body), contentType, modified: new Date(Math.floor(Date.now() / 1000) * 1000) };
}

export function resolve(content: Content): Resolved {
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
export function serve(req: http.IncomingMessage, res: http.ServerResponse, c: Resolved): void {
  const validators = { etag: c.etag, 'last-modified': c.lastModified.toUTCString(), 'cache-control': 'no-cache' };
  if (notModified(req, c)) {
    res.writeHead(304, validators).end();
    return;
  }
  res.writeHead(200, { 'content-type': c.contentType, 'content-length': c.size, ...validators });
  if (req.method === 'HEAD') res.end();
  else pipeline(c.open(), res, () => undefined);
}

export function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: http.OutgoingHttpHeaders = {}, head = false): void {
  const data = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'content-type': contentType, 'content-length': data.length, ...headers });
  res.end(head ? undefined : data);
}

export function page(title: string, text: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`;
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
