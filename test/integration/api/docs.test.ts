// The API description and the operational endpoints: OpenAPI 3.1 generated from the route
// schemas (with examples and the x-key scheme), Swagger UI at /docs, Redoc at /redoc, health,
// readiness, Prometheus metrics, security headers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, type ApiTestContext } from './context.ts';

interface OpenApi {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, { security?: unknown[]; parameters?: { name: string; in: string; schema: Record<string, unknown> }[]; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

void describe('docs and operations', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-01', cases: 1, deaths: 0 }]);
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  void it('publishes OpenAPI 3.1 with every endpoint, the x-key scheme and examples', async () => {
    const response = await ctx.app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json<OpenApi>();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/',
      '/cases',
      '/deaths',
      '/healthz',
      '/metrics',
      '/readyz',
      '/summary',
      '/users/recreate-api-key',
      '/users/register',
      '/v1/countries',
      '/v1/countries/{country}/summary',
      '/v1/daily',
      '/v1/regions',
      '/v1/status',
    ]);
    assert.deepEqual(doc.components.securitySchemes.apiKey, { type: 'apiKey', in: 'header', name: 'x-key' });
    for (const path of ['/', '/cases', '/deaths', '/summary', '/v1/countries', '/v1/daily', '/v1/regions', '/v1/countries/{country}/summary', '/v1/status']) {
      const get = doc.paths[path]!.get!;
      assert.deepEqual(get.security, [{ apiKey: [] }], path);
      assert.ok(get.responses['401'] && get.responses['400'] && get.responses['503'], path);
      assert.ok(get.responses['401'].content!['application/problem+json'], path);
    }
    const cases = doc.paths['/cases']!.get!;
    assert.deepEqual(cases.parameters!.map((p) => [p.in, p.name]), [['query', 'start'], ['query', 'end'], ['query', 'country']]);
    assert.equal(cases.parameters![0]!.schema.format, 'date');
    assert.ok(cases.parameters![0]!.schema.example);
    assert.ok(cases.responses['200']!.content!['application/json']!.schema.example);
    const daily = doc.paths['/v1/daily']!.get!;
    assert.deepEqual(Object.keys(daily.responses['200']!.content!).sort(), ['application/json', 'application/x-ndjson', 'text/csv']);
    assert.ok(daily.responses['200']!.content!['application/json']!.schema.example, 'a place and its measures, as an example');
    const register = doc.paths['/users/register']!.post!;
    assert.ok(register.responses['201'] && register.responses['409'] && register.responses['429']);
    assert.ok(doc.components.schemas.Problem && doc.components.schemas.Summary);
  });

  void it('serves Swagger UI at /docs, from node_modules', async () => {
    const page = await ctx.app.inject({ url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /swagger-ui/);
    const spec = await ctx.app.inject({ url: '/docs/json' });
    assert.equal(spec.json<OpenApi>().openapi, '3.1.0');
    const bundle = await ctx.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(bundle.statusCode, 200);
  });

  void it('serves Redoc at /redoc, pointed at /openapi.json, with a CSP that lets its script run', async () => {
    const page = await ctx.app.inject({ url: '/redoc' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<redoc spec-url="\/openapi.json"><\/redoc>/);
    const script = /<script src="([^"]+)"><\/script>/.exec(page.body)![1]!;
    const csp = page.headers['content-security-policy'] as string;
    if (script.startsWith('/')) {
      assert.equal((await ctx.app.inject({ url: script })).statusCode, 200);
      assert.match(csp, /script-src 'self'/);
    } else {
      assert.ok(csp.includes(new URL(script).origin), csp);
    }
  });

  void it('health, readiness and metrics', async () => {
    const health = await ctx.app.inject({ url: '/healthz' });
    assert.deepEqual([health.statusCode, health.json()], [200, { status: 'ok' }]);
    const ready = await ctx.app.inject({ url: '/readyz' });
    assert.deepEqual([ready.statusCode, ready.json()], [200, { status: 'ready', postgres: 'up', clickhouse: 'up' }]);
    await ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });
    await ctx.app.inject({ url: '/cases' });
    await ctx.app.inject({ url: '/no/such/thing' });
    const metrics = await ctx.app.inject({ url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
    assert.match(metrics.body, /http_requests_total\{method="GET",route="\/cases",status="200"\} 1/);
    assert.match(metrics.body, /http_requests_total\{method="GET",route="\/cases",status="401"\} 1/);
    assert.match(metrics.body, /http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    assert.match(metrics.body, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/cases",status="200"\}/);
  });

  void it('sets security headers on API answers', async () => {
    const response = await ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.ok(response.headers['strict-transport-security']);
    assert.ok(response.headers['content-security-policy']);
    assert.equal(response.headers['x-frame-options'], 'DENY');
    assert.equal(response.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    const docs = await ctx.app.inject({ url: '/docs/' });
    assert.match(docs.headers['content-security-policy'] as string, /script-src 'self'/);
  });
});
