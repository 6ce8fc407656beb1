// Security headers on every answer, as constants. The @fastify/helmet plugin computed its set per
// request, which cost about 40 µs each (a third of the server's capacity for small answers, see
// docs/benchmarks.md). The API answers data, not pages, so these are the headers the OWASP REST
// Security Cheat Sheet lists for APIs (helmet's page-oriented extras, such as X-DNS-Prefetch-Control
// or X-Download-Options, change nothing for JSON), and the Content-Security-Policy forbids
// everything; the documentation pages set their own policy (swagger-ui's staticCSP for /docs,
// the /redoc route).
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });
}
