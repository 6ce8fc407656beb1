// /docs and /redoc in a real browser under a host name other than localhost, over plain HTTP:
// Swagger UI's policy used to carry `upgrade-insecure-requests`, so a browser at
// http://<server>:8000/docs asked for the page's scripts over HTTPS and showed a blank page
// (localhost is exempt from the upgrade, which hid it).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { swaggerUiCsp } from '../../../src/api/routes/docs.routes.ts';
import { launchChromium, openWatchedPage } from '../../support/browser.ts';
import { createApiTestContext, type ApiTestContext } from './context.ts';

const HOST = 'covid-etl.example';

void describe('API docs in a browser, over HTTP, under a host name', () => {
  let ctx: ApiTestContext;
  let browser: Browser;
  let origin: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://${HOST}:${(ctx.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium({ hostAliases: [HOST] });
  });
  after(async () => {
    await browser?.close();
    await ctx?.close();
  });

  void it('sends upgrade-insecure-requests only to HTTPS requests', async () => {
    const page = await ctx.app.inject({ url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.headers['content-security-policy'] as string, /upgrade-insecure-requests/);
    assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
    assert.match(swaggerUiCsp(true), /upgrade-insecure-requests$/);
  });

  void it('/docs renders Swagger UI with the API description', async () => {
    const watched = await openWatchedPage(browser, origin);
    try {
      await watched.page.goto(`${origin}/docs`);
      const title = watched.page.locator('.swagger-ui .info .title');
      await title.waitFor({ timeout: 15_000 });
      assert.match(await title.innerText(), /covid-etl API/);
      assert.ok((await watched.page.locator('.opblock').count()) >= 10, 'the operations are listed');
      assert.deepEqual(watched.failedRequests, []);
      assert.deepEqual(watched.foreignRequests, []);
      assert.deepEqual(watched.consoleErrors, []);
    } finally {
      await watched.context.close();
    }
  });

  void it('/redoc renders Redoc with the API description', async () => {
    const watched = await openWatchedPage(browser, origin);
    try {
      await watched.page.goto(`${origin}/redoc`);
      const heading = watched.page.locator('.api-info h1');
      await heading.waitFor({ timeout: 15_000 });
      assert.match(await heading.innerText(), /covid-etl API/);
      // Redoc's sidebar logo from cdn.redoc.ly is refused by the page's policy (and hidden by
      // Redoc): blocked in the browser, it never leaves as a request.
      const redocLogo = /cdn\.redoc\.ly\/redoc\/logo-mini\.svg/;
      assert.deepEqual(watched.foreignRequests, []);
      assert.deepEqual(watched.failedRequests.filter((failed) => !redocLogo.test(failed)), []);
      assert.deepEqual(watched.consoleErrors.filter((error) => !redocLogo.test(error)), []);
    } finally {
      await watched.context.close();
    }
  });
});
