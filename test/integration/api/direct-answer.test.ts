// Repeated data requests answered before Fastify (src/api/http/direct-answer.ts), over a real
// socket (app.inject never reaches the Node server's handler, so it gives Fastify's own answer
// to compare with): the same status, headers and bytes as Fastify's answer to the same request,
// 304s, encodings, and every check of the full path (missing, wrong and revoked keys, the rate
// limit, new data) still made.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Set per connection or by the transport: never compared. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function comparable(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !TRANSPORT.has(name)) kept[name] = String(value);
  return kept;
}

void describe('direct answers (repeated data requests, before Fastify)', () => {
  let ctx: ApiTestContext;
  let base: string;
  /** Calls of the full path's key check (the Fastify hook) and of the direct path's. */
  const calls = { full: 0, direct: 0 };

  before(async () => {
    ctx = await createApiTestContext({ overrides: { DATA_RATE_LIMIT: '5' } });
    await ctx.insertDaily(dateRange('2021-01-01', 400).map((date, i) => ({ country: 'RU', date, cases: i, deaths: 1 })));
    await ctx.insertDaily(dateRange('2021-01-01', 30).map((date, i) => ({ country: 'BR', date, cases: 2 * i, deaths: 0 })));
    const keys = ctx.deps.apiKeys;
    const authenticate = keys.authenticate.bind(keys);
    const cachedUser = keys.cachedUser.bind(keys);
    keys.authenticate = (key) => (calls.full++, authenticate(key));
    keys.cachedUser = (key, now) => (calls.direct++, cachedUser(key, now));
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  });
  after(() => ctx.close());

  let users = 0;
  const freshKey = () => ctx.register(`user${users++}`);

  /** Over the socket, the body as sent (not decoded). */
  const get = (url: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> =>
    new Promise((resolve, reject) => {
      request(`${base}${url}`, { method, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: comparable(response.headers), body: Buffer.concat(chunks) }));
        response.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
  /** Fastify's answer to the same request. */
  const full = async (url: string, headers: Record<string, string>): Promise<Answer> => {
    const response = await ctx.app.inject({ url, headers });
    return { status: response.statusCode, headers: comparable(response.headers), body: response.rawPayload };
  };
  /** A request over the socket that the direct path answered (the full path's key check not called). */
  const direct = async (url: string, headers: Record<string, string>): Promise<Answer> => {
    const fullBefore = calls.full;
    const answer = await get(url, headers);
    assert.equal(calls.full, fullBefore, `${url} ${JSON.stringify(headers)} went through Fastify`);
    return answer;
  };

  void it("answers a repeated URL with Fastify's status, headers and bytes, 304 included, in every encoding", async () => {
    const key = await freshKey();
    const url = '/cases?country=RU';
    const first = await get(url, { 'x-key': key });
    assert.equal(first.status, 200);
    const variants: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'if-none-match': first.headers.etag! }, { 'if-none-match': 'W/"other", *' }];
    for (const headers of variants) {
      const sent: Record<string, string> = { 'x-key': key, ...headers };
      const answer = await direct(url, sent);
      const expected = await full(url, sent);
      assert.equal(answer.status, expected.status, JSON.stringify(headers));
      assert.deepEqual(answer.headers, expected.headers, JSON.stringify(headers));
      assert.deepEqual(answer.body, expected.body, JSON.stringify(headers));
      await new Promise((resolve) => setTimeout(resolve, 450)); // under the rate limit of 5 a second
    }
    assert.equal((await direct(url, { 'x-key': key, 'if-none-match': first.headers.etag! })).status, 304);
  });

  void it('compressed answers: the same encoded bytes and headers as Fastify sends', async () => {
    const key = await freshKey();
    const url = '/v1/daily?country=RU&format=csv';
    await get(url, { 'x-key': key, 'accept-encoding': 'gzip' });
    for (const encoding of ['gzip', 'br', 'br;q=0, gzip;q=0.5']) {
      await new Promise((resolve) => setTimeout(resolve, 450));
      const sent = { 'x-key': key, 'accept-encoding': encoding };
      const fullBefore = calls.full;
      const answer = await get(url, sent);
      assert.equal(calls.full, fullBefore, `${encoding} went through Fastify`);
      const expected = await full(url, sent);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.headers, expected.headers, encoding);
      assert.deepEqual(answer.body, expected.body, encoding);
      assert.equal(answer.headers['content-encoding'], encoding.startsWith('br;q=0') ? 'gzip' : encoding);
    }
  });

  void it('a URL whose answer was cached for another Accept is remembered on its first hit', async () => {
    const key = await freshKey();
    const url = '/cases?country=RU&start=2021-06-01';
    assert.equal((await get(url, { 'x-key': key, accept: '*/*' })).status, 200);
    const fullBefore = calls.full;
    const plain = await get(url, { 'x-key': key });
    assert.equal(calls.full, fullBefore + 1, 'the first request without Accept takes the full path');
    assert.deepEqual((await direct(url, { 'x-key': key })).body, plain.body);
  });

  void it('missing, malformed and wrong keys are refused by the full path, even for a remembered URL', async () => {
    const key = await freshKey();
    const url = '/cases?country=RU&start=2021-02-01';
    assert.equal((await get(url, { 'x-key': key })).status, 200);
    const wrong = `${key.slice(0, 10)}${key[10] === 'A' ? 'B' : 'A'}${key.slice(11)}`;
    const variants: Record<string, string>[] = [{}, { 'x-key': 'nope' }, { 'x-key': wrong }, { 'x-key': `${key}x` }];
    for (const headers of variants) {
      const fullBefore = calls.full;
      const answer = await get(url, headers);
      assert.equal(answer.status, 401, JSON.stringify(headers));
      assert.match(answer.headers['content-type']!, /^application\/problem\+json/);
      assert.equal(calls.full, fullBefore + 1, 'the full key check ran');
    }
  });

  void it('a revoked key is refused at once; the new key is answered', async () => {
    const key = await freshKey();
    const url = '/cases?country=RU&start=2021-03-01';
    assert.equal((await get(url, { 'x-key': key })).status, 200);
    assert.equal((await direct(url, { 'x-key': key })).status, 200);
    const reissued = await ctx.app.inject({ method: 'POST', url: '/users/recreate-api-key', payload: { username: `user${users - 1}`, password: 'correct horse battery staple' } });
    assert.equal(reissued.statusCode, 200, reissued.body);
    assert.equal((await get(url, { 'x-key': key })).status, 401);
    assert.equal((await get(url, { 'x-key': reissued.json<{ api_key: string }>().api_key })).status, 200);
  });

  void it("the rate limit holds: past it, Fastify's 429; the direct answers count toward it", async () => {
    const key = await freshKey();
    const url = '/cases?country=RU&start=2021-04-01';
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(url, { 'x-key': key })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const refused = await get(url, { 'x-key': key });
    assert.equal(refused.status, 429);
    assert.match(refused.headers['content-type']!, /^application\/problem\+json/);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
  });

  void it('new data for the country: the next answer is the new one, with a new ETag', async () => {
    const key = await freshKey();
    const url = '/cases?country=BR';
    const before = await get(url, { 'x-key': key });
    assert.equal((await direct(url, { 'x-key': key, 'if-none-match': before.headers.etag! })).status, 304);
    await ctx.insertDaily([{ country: 'BR', date: '2021-01-31', cases: 99, deaths: 0 }]);
    const after = await get(url, { 'x-key': key, 'if-none-match': before.headers.etag! });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.equal((JSON.parse(after.body.toString()) as { cases: number[] }).cases.at(-1), 99);
  });

  void it('HEAD and other methods take the full path; direct answers are counted in the metrics under their route', async () => {
    const key = await freshKey();
    const url = '/cases?country=RU&start=2021-05-01';
    await get(url, { 'x-key': key });
    const fullBefore = calls.full;
    const head = await get(url, { 'x-key': key }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(calls.full, fullBefore + 1);
    const scrape = async () => {
      const text = (await ctx.app.inject({ url: '/metrics' })).body;
      return Number(/http_requests_total\{method="GET",route="\/cases",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const counted = await scrape();
    await direct(url, { 'x-key': key });
    assert.equal(await scrape(), counted + 1);
  });
});

