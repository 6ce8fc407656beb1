// Slow and hostile clients against a listening server: slowloris sockets are closed by the header
// time-out, readers that stop reading lose their socket (and export slot) to the socket time-out,
// exports beyond the caps get 429/503 with Retry-After while readiness and small queries answer,
// connections beyond the cap are refused, and honest requests meanwhile stay within 2x of their
// latency measured alone in the same test (test/support/under-attack.ts: medians, no absolute times).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';
import { assertHonestWithin2x, honestLoad } from '../../support/under-attack.ts';
import { createApiTestContext, dateRange, type ApiTestContext, type DailyInsert } from './context.ts';

// About 200,000 rows: an unfiltered JSON export of some 20 MB, more than the socket buffers of a
// reader that stopped reading can take, so such a reader holds its export slot.
const COUNTRIES = ['RU', ...[...COUNTRY_CODES].filter((c) => c !== 'RU')].slice(0, 130);
const DAYS = dateRange('2020-01-03', 1_500);

void describe('connection hygiene and export caps', () => {
  let ctx: ApiTestContext;
  let port: number;
  const keys: string[] = [];
  const sockets: net.Socket[] = [];

  before(async () => {
    ctx = await createApiTestContext({
      overrides: {
        EXPORT_CONCURRENCY: '2',
        EXPORT_PER_KEY: '1',
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_SOCKET_TIMEOUT_MS: '2000',
        HTTP_IDLE_TIMEOUT_MS: '1000',
        HTTP_MAX_CONNECTIONS: '40',
      },
    });
    const rows: DailyInsert[] = [];
    for (const country of COUNTRIES) for (const [i, date] of DAYS.entries()) rows.push({ country, date, cases: 1_000 + i, deaths: i % 50 });
    for (let i = 0; i < rows.length; i += 50_000) await ctx.insertDaily(rows.slice(i, i + 50_000));
    for (const name of ['ann', 'ben', 'cat', 'dan']) keys.push(await ctx.register(name));
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    port = (ctx.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await ctx.close();
  });

  const connect = async () => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => {});
    // Read (and drop) whatever comes, so the server's close is seen.
    socket.resume();
    await once(socket, 'connect');
    return socket;
  };
  const closed = (socket: net.Socket) => (socket.destroyed || socket.readyState === 'closed' ? Promise.resolve() : once(socket, 'close').then(() => {}));

  /** Sends an export request and then reads nothing. */
  const slowReader = async (key: string) => {
    const socket = await connect();
    socket.pause();
    socket.write(`GET /v1/daily?format=json HTTP/1.1\r\nhost: x\r\nx-key: ${key}\r\n\r\n`);
    return socket;
  };

  const get = (path: string, key: string) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-key': key } });

  void it('slowloris clients lose their sockets to the header time-out; honest requests stay within 2x', async () => {
    await honestLoad(port, [keys[3]!], 500); // warm-up
    const alone = await honestLoad(port, [keys[3]!], 2_000);
    const loris = await Promise.all(Array.from({ length: 20 }, () => connect()));
    let dripping = true;
    const drip = (async () => {
      for (const socket of loris) socket.write('GET /cases HTTP/1.1\r\nhost: x\r\n');
      while (dripping) {
        for (const socket of loris) if (!socket.destroyed) socket.write('x');
        await sleep(200);
      }
    })();
    const during = await honestLoad(port, [keys[3]!], 2_000);
    const started = performance.now();
    await Promise.all(loris.map(closed));
    dripping = false;
    await drip;
    assert.ok(performance.now() - started < 10_000, 'every slowloris socket closed');
    assertHonestWithin2x({ before: [alone], during: [during] }, 'slowloris');
  });

  void it('exports beyond the caps: 429 over the key, 503 over the server, with Retry-After; readiness and small queries answer', async () => {
    const a = await slowReader(keys[0]!);
    await sleep(300);
    const again = await get('/v1/daily?format=json', keys[0]!);
    assert.equal(again.status, 429);
    assert.equal(again.headers.get('retry-after'), '1');
    assert.match(((await again.json()) as { detail: string }).detail, /exports at once with this API key/);
    const b = await slowReader(keys[1]!);
    await sleep(300);
    const full = await get('/v1/daily?format=csv', keys[2]!);
    assert.equal(full.status, 503);
    assert.equal(full.headers.get('retry-after'), '1');
    assert.ok((await full.arrayBuffer()).byteLength <= 16 * 1024);
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    const small = await get('/v1/countries', keys[3]!);
    assert.equal(small.status, 200);
    await small.arrayBuffer();
    const few = await get('/v1/daily?country=RU,DE&start=2021-01-01&end=2021-01-31', keys[2]!);
    assert.equal(few.status, 200, 'a question about a few countries is not an export');
    await few.arrayBuffer();
    // The readers that stopped reading lose their sockets (HTTP_SOCKET_TIMEOUT_MS), and the slots.
    const waited = performance.now();
    let status = 0;
    while (performance.now() - waited < 15_000) {
      // Eleven countries: an export (a slot), but a short one.
      const response = await get(`/v1/daily?format=csv&country=${COUNTRIES.slice(0, 11).join(',')}`, keys[2]!);
      status = response.status;
      const text = await response.text();
      if (status === 200) {
        assert.match(text, /^country,date,cases/);
        break;
      }
      await sleep(250);
    }
    assert.equal(status, 200, 'the slots came back once the stalled sockets were dropped');
    a.destroy();
    b.destroy();
  });

  void it('an export whose client goes away before its answer starts gives its slot back', async () => {
    // Gone while the key is checked, while ClickHouse accepts the query, or as the answer
    // starts: each of these once held the slot for good (the 'close' it waited for had passed).
    const leavers = [];
    for (let i = 0; i < 12; i++) leavers.push(await ctx.register(`leaver${i}`));
    for (const [i, key] of leavers.entries()) {
      const socket = await connect();
      socket.write(`GET /v1/daily?format=json HTTP/1.1\r\nhost: x\r\nx-key: ${key}\r\n\r\n`);
      await sleep(i * 8);
      socket.destroy();
    }
    // EXPORT_CONCURRENCY is 2: exports are answered again once the abandoned ones are over.
    const waited = performance.now();
    let status = 0;
    while (performance.now() - waited < 10_000) {
      const response = await get(`/v1/daily?format=csv&country=${COUNTRIES.slice(0, 11).join(',')}`, keys[0]!);
      status = response.status;
      await response.arrayBuffer();
      if (status === 200) break;
      await sleep(100);
    }
    assert.equal(status, 200, 'the abandoned exports gave their slots back');
  });

  void it('a cached export takes a slot as well, unless the client has it already (304)', async () => {
    const eleven = `/v1/daily?format=csv&country=${COUNTRIES.slice(0, 11).join(',')}`;
    const first = await get(eleven, keys[1]!);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    // Cached now; one after another, each gives its slot back (EXPORT_PER_KEY is 1).
    for (let i = 0; i < 3; i++) {
      const again = await get(eleven, keys[1]!);
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('etag'), etag, 'the cached answer');
      await again.arrayBuffer();
    }
    // With the key's one slot held by a reader that stopped reading, the cached copy is refused too.
    const stalled = await slowReader(keys[1]!);
    await sleep(300);
    const refused = await get(eleven, keys[1]!);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    await refused.arrayBuffer();
    const revalidated = await fetch(`http://127.0.0.1:${port}${eleven}`, { headers: { 'x-key': keys[1]!, 'if-none-match': etag } });
    assert.equal(revalidated.status, 304, 'no body to send, no slot needed');
    stalled.destroy();
    await closed(stalled);
    const waited = performance.now();
    let status = 0;
    while (performance.now() - waited < 5_000 && status !== 200) {
      const response = await get(eleven, keys[1]!);
      status = response.status;
      await response.arrayBuffer();
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200, 'the slot is back once the stalled reader is gone');
  });

  void it('connections beyond HTTP_MAX_CONNECTIONS are closed at once; the server serves again when they go', async () => {
    const idle = await Promise.all(Array.from({ length: 40 }, () => connect()));
    const extra = await connect();
    await closed(extra);
    for (const socket of idle) socket.destroy();
    await sleep(100);
    assert.equal((await get('/cases?country=RU', keys[3]!)).status, 200);
  });
});
