// The dashboard's files at /app/: built from src/web, served from memory with a strict policy,
// ETags, 404 for anything else, 503 with a way out when the build is missing.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { appRoutes, DASHBOARD_CSP } from '../../../src/api/routes/app.routes.ts';
import { buildWeb } from '../../../src/web/build.ts';
import { createApiTestContext, type ApiTestContext } from './context.ts';

void describe('the dashboard files at /app/', () => {
  let ctx: ApiTestContext;
  before(async () => {
    await buildWeb();
    ctx = await createApiTestContext();
  });
  after(() => ctx.close());

  void it('serves the page, its script and its stylesheet with a policy that allows this origin only', async () => {
    const index = await ctx.app.inject({ url: '/app/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.headers['content-type'] as string, /^text\/html/);
    assert.equal(index.headers['content-security-policy'], DASHBOARD_CSP);
    assert.match(DASHBOARD_CSP, /default-src 'none'; script-src 'self'; style-src 'self'/);
    assert.match(index.body, /<script type="module" src="app.js"><\/script>/);
    assert.doesNotMatch(index.body, /https?:\/\/(?!www\.w3\.org)/, 'nothing from elsewhere');
    for (const [file, type] of [['app.js', /^text\/javascript/], ['app.css', /^text\/css/], ['icon.svg', /^image\/svg\+xml/]] as const) {
      const response = await ctx.app.inject({ url: `/app/${file}` });
      assert.equal(response.statusCode, 200, file);
      assert.match(response.headers['content-type'] as string, type, file);
      assert.equal(response.headers['cache-control'], 'no-cache');
      const again = await ctx.app.inject({ url: `/app/${file}`, headers: { 'if-none-match': response.headers.etag as string } });
      assert.equal(again.statusCode, 304, file);
    }
  });

  void it('redirects /app to /app/ and answers 404 for files it does not have', async () => {
    const bare = await ctx.app.inject({ url: '/app' });
    assert.deepEqual([bare.statusCode, bare.headers.location], [301, '/app/']);
    for (const url of ['/app/nothing.js', '/app/..%2Fpackage.json', '/app/build.ts']) {
      const response = await ctx.app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.match(response.headers['content-type'] as string, /application\/problem\+json/);
    }
  });

  void it('answers 503 saying how to build it when the build is missing', async () => {
    const empty = await mkdtemp(`${tmpdir()}/covid-etl-web-`);
    const app = Fastify();
    try {
      await app.register(appRoutes, { root: empty });
      const response = await app.inject({ url: '/app/' });
      assert.equal(response.statusCode, 503);
      assert.match(response.json<{ detail: string }>().detail, /npm run build:web/);
    } finally {
      await app.close();
      await rm(empty, { recursive: true });
    }
  });
});
