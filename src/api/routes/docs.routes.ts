// The API description: /openapi.json (generated from the route schemas that validate requests),
// /docs (Swagger UI, served from node_modules) and /redoc (Redoc). Redoc's standalone bundle is
// served from node_modules when the `redoc` package is installed; otherwise the page loads it
// from Redoc's CDN, which needs the browser to be online.
import swaggerUi from '@fastify/swagger-ui';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';

export const REDOC_CDN = 'https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js';

async function localRedocBundle(): Promise<Buffer | null> {
  try {
    return await readFile(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'));
  } catch {
    return null;
  }
}

const redocPage = (script: string) => `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>covid-etl API</title>
  <link rel="icon" href="data:,">
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="${script}"></script>
</body>
</html>
`;

export const docsRoutes: FastifyPluginAsync = async (app) => {
  const bundle = await localRedocBundle();
  const script = bundle ? '/redoc/redoc.standalone.js' : REDOC_CDN;
  const page = redocPage(script);
  const scriptSource = bundle ? "'self'" : new URL(REDOC_CDN).origin;
  // Redoc renders with inline styles and runs its search in a blob: worker.
  const csp = [
    "default-src 'self'",
    `script-src ${scriptSource} blob:`,
    'worker-src blob:',
    "style-src 'self' 'unsafe-inline'",
    // Redoc's sidebar shows a logo from cdn.redoc.ly (hidden when it fails to load): blocked, so
    // that reading the docs sends nothing to a third party.
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
  ].join('; ');

  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return app.swagger();
  });

  app.get('/redoc', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-security-policy', csp).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return page;
  });

  if (bundle) {
    app.get('/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=86400').type('application/javascript; charset=utf-8');
      return bundle;
    });
  }
};

/**
 * Swagger UI's own static policy ends in `upgrade-insecure-requests`: a browser that opened
 * http://<host>:8000/docs on any host but localhost then asks for the page's scripts over HTTPS,
 * which the server does not speak, and shows a blank page. The same policy is sent here with
 * that directive only when the request itself came over HTTPS.
 */
export function swaggerUiCsp(https: boolean): string {
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "font-src 'self' https: data:",
    "frame-ancestors 'self'",
    "img-src 'self' data: validator.swagger.io",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    // The one inline style Swagger UI applies (a <style> it inserts), allowed by its hash.
    "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

export const swaggerUiRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('content-security-policy', swaggerUiCsp(request.protocol === 'https'));
    done();
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
};
