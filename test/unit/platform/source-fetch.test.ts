// openLocation / fetchText against a real local HTTP server that misbehaves on purpose.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchText, openLocation, parseRetryAfter, SourceFetchError } from '../../../src/platform/source-fetch.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
const server = createServer((req, res) => {
  const route = new URL(req.url!, 'http://x').pathname;
  const n = (hits.get(route) ?? 0) + 1;
  hits.set(route, n);
  const handler = routes.get(route);
  if (handler) handler(req, res, n);
  else res.writeHead(404).end('no such route');
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const FAST = { backoffBaseMs: 20, backoffMaxMs: 50, random: () => 0.5 };

async function text(body: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of body) out += chunk.toString();
  return out;
}

async function failsWith(promise: Promise<unknown>, code: string, detail?: RegExp): Promise<SourceFetchError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SourceFetchError, `expected SourceFetchError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (detail) assert.match(caught.message, detail);
  return caught;
}

test('500 then 200: retried, then the body streams with its validators', async () => {
  routes.set('/flaky', (_req, res, hit) => {
    if (hit === 1) res.writeHead(500).end('oops');
    else res.writeHead(200, { etag: '"v2"', 'last-modified': 'Sun, 28 Sep 2025 10:00:00 GMT' }).end('Date_reported\n');
  });
  const opened = await openLocation(`${base}/flaky`, FAST);
  assert.equal(await text(opened.body), 'Date_reported\n');
  assert.equal(opened.etag, '"v2"');
  assert.equal(opened.lastModified, 'Sun, 28 Sep 2025 10:00:00 GMT');
  assert.equal(hits.get('/flaky'), 2);
});

test('429 with Retry-After: waits that long, then succeeds', async () => {
  routes.set('/limited', (_req, res, hit) => {
    if (hit === 1) res.writeHead(429, { 'retry-after': '1' }).end();
    else res.writeHead(200).end('ok');
  });
  const started = Date.now();
  const opened = await openLocation(`${base}/limited`, FAST);
  assert.equal(await text(opened.body), 'ok');
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
  assert.equal(hits.get('/limited'), 2);
});

test('429 asking for longer than allowed fails at once', async () => {
  routes.set('/limited-long', (_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
  const error = await failsWith(openLocation(`${base}/limited-long`, { ...FAST, maxRetryAfterMs: 5000 }), 'SOURCE_RATE_LIMITED', /Retry-After 3600 s/);
  assert.equal(error.status, 429);
  assert.equal(hits.get('/limited-long'), 1);
});

test('404: a clear error, not retried', async () => {
  const error = await failsWith(openLocation(`${base}/missing`, FAST), 'SOURCE_HTTP_4XX', /HTTP 404.*not retried/);
  assert.equal(error.status, 404);
  assert.equal(error.attempts, 1);
  assert.equal(hits.get('/missing'), 1);
});

test('5xx every time: retries, then SOURCE_HTTP_5XX with the attempt count', async () => {
  routes.set('/down', (_req, res) => res.writeHead(503).end());
  const error = await failsWith(openLocation(`${base}/down`, { ...FAST, retries: 2 }), 'SOURCE_HTTP_5XX', /HTTP 503/);
  assert.equal(error.attempts, 3);
  assert.equal(hits.get('/down'), 3);
});

test('hang (no response headers): SOURCE_TIMEOUT after the headers time-out, not asked again (the task retries)', async () => {
  routes.set('/hang', () => undefined);
  const error = await failsWith(openLocation(`${base}/hang`, { ...FAST, headersTimeoutMs: 150, retries: 3 }), 'SOURCE_TIMEOUT', /no response headers within 150 ms/);
  assert.equal(error.attempts, 1);
  assert.equal(hits.get('/hang'), 1);
});

test('a body that stalls: SOURCE_TIMEOUT after the idle time', async () => {
  routes.set('/stall', (_req, res) => {
    res.writeHead(200);
    res.write('first chunk\n');
  });
  const opened = await openLocation(`${base}/stall`, { ...FAST, idleTimeoutMs: 200 });
  await failsWith(text(opened.body), 'SOURCE_TIMEOUT', /no data for 200 ms/);
});

test('a trickle (a byte every 50 ms, never idle) fails within the total deadline', async () => {
  routes.set('/trickle', (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  });
  const started = Date.now();
  const opened = await openLocation(`${base}/trickle`, { ...FAST, idleTimeoutMs: 1000, deadlineMs: 600 });
  await failsWith(text(opened.body), 'SOURCE_TIMEOUT', /deadline of 600 ms/);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 550 && elapsed < 1500, `failed after ${elapsed} ms`);
});

test('unreachable host: SOURCE_UNREACHABLE after the retries', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const error = await failsWith(openLocation(`http://127.0.0.1:${port}/x`, { ...FAST, retries: 2 }), 'SOURCE_UNREACHABLE', /ECONNREFUSED/);
  assert.equal(error.attempts, 3);
});

test('the caller can abort', async () => {
  routes.set('/slow', () => undefined);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await failsWith(openLocation(`${base}/slow`, { ...FAST, signal: controller.signal }), 'SOURCE_ABORTED');
});

test('conditional GET: 304 gives notModified and an empty body', async () => {
  routes.set('/cond', (req, res) => {
    if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
    else res.writeHead(200, { etag: '"v1"' }).end('data');
  });
  const opened = await openLocation(`${base}/cond`, { headers: { 'if-none-match': '"v1"' } });
  assert.equal(opened.notModified, true);
  assert.equal(opened.etag, '"v1"');
  assert.equal(await text(opened.body), '');
});

test('fetchText decodes by the declared charset, UTF-8 by default, and refuses huge pages', async () => {
  routes.set('/cp1251', (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=windows-1251' }).end(Buffer.from([0xc2, 0xfb, 0xff, 0xe2, 0xeb, 0xe5, 0xed, 0xee])));
  routes.set('/meta', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.concat([Buffer.from('<meta charset="windows-1251">'), Buffer.from([0xd3, 0xec, 0xe5, 0xf0, 0xeb, 0xee])])));
  routes.set('/utf8', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('Российская Федерация'));
  routes.set('/big', (_req, res) => res.writeHead(200).end(Buffer.alloc(5000, 0x61)));
  assert.equal(await fetchText(`${base}/cp1251`), 'Выявлено');
  assert.match(await fetchText(`${base}/meta`), /Умерло$/);
  assert.equal(await fetchText(`${base}/utf8`), 'Российская Федерация');
  await failsWith(fetchText(`${base}/big`, { maxBytes: 1000 }), 'SOURCE_TOO_LARGE');
});

test('file:// opens a local copy; a missing file and other schemes fail clearly', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'source-fetch-'));
  const file = path.join(dir, 'who.csv');
  writeFileSync(file, 'Date_reported,Country_code\n');
  const opened = await openLocation(pathToFileURL(file).href);
  assert.equal(await text(opened.body), 'Date_reported,Country_code\n');
  assert.match(opened.etag!, /^W\/"27-\d+"$/);
  assert.ok(opened.lastModified);
  await failsWith(openLocation(pathToFileURL(path.join(dir, 'nope.csv')).href), 'SOURCE_NOT_FOUND');
  await failsWith(openLocation(pathToFileURL(dir).href), 'SOURCE_NOT_FOUND', /not a regular file/);
  await failsWith(openLocation('ftp://example.org/x.csv'), 'SOURCE_BAD_URL');
  await failsWith(openLocation('not a url'), 'SOURCE_BAD_URL');
});

test('Retry-After takes seconds or a date', () => {
  assert.equal(parseRetryAfter('120', 0), 120000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
  assert.equal(parseRetryAfter(null, 0), undefined);
});
