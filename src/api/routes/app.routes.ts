// The dashboard (SPEC 7) at /app/: the files `npm run build:web` writes into dist/web/, read
// once when the server starts and answered from memory, each with a strong ETag (a 304 when the
// browser has it already) and a Content-Security-Policy that allows this origin only: the page
// loads nothing from elsewhere and talks to this API alone. Without a build, /app/ answers 503
// and says how to build it.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../http/problem.ts';

export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface WebFile {
  body: Buffer;
  type: string;
  etag: string;
}

async function readWebFiles(root: string): Promise<Map<string, WebFile> | null> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return null;
  }
  const files = new Map<string, WebFile>();
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = await readFile(`${root}/${name}`);
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return files.has('index.html') ? files : null;
}

export interface AppRoutesOptions {
  /** Where the built dashboard is (dist/web/ by default). */
  root?: string;
}

export const appRoutes: FastifyPluginAsync<AppRoutesOptions> = async (app, options) => {
  const files = await readWebFiles(options.root ?? WEB_ROOT);
  if (!files) app.log.warn({ root: options.root ?? WEB_ROOT }, 'the dashboard is not built (npm run build:web): /app/ answers 503');

  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 301));

  const serve = (name: string, request: FastifyRequest, reply: FastifyReply) => {
    if (!files) return sendProblem(reply, 'unavailable', 'the dashboard is not built: run `npm run build:web` (make up does)');
    const file = files.get(name);
    if (!file) return sendProblem(reply, 'not_found', `no file ${request.url} in the dashboard`);
    reply.header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-cache').header('etag', file.etag).type(file.type);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  };
  app.get('/app/', { schema: { hide: true } }, (request, reply) => serve('index.html', request, reply));
  app.get<{ Params: { file: string } }>('/app/:file', { schema: { hide: true } }, (request, reply) => serve(request.params.file, request, reply));
};
