// Least privilege in ClickHouse (issue 12 item 7): the API queries as CLICKHOUSE_READ_URL's user,
// whose profile sets readonly=1 (infra/clickhouse/users.d/reader.xml). Against the real server:
// that user cannot write, change schema, reach out with url()/file() or lift its own limits,
// and everything the API asks of ClickHouse still works with it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

/** ClickHouse's code for "... in readonly mode". */
const READONLY = /Code: 164|readonly mode/;

void describe("the API's read-only ClickHouse user", () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily(dateRange('2021-01-01', 40).flatMap((date, i) => [
      { country: 'RU', date, cases: 100 + i, deaths: i % 3 },
      { country: 'DE', date, cases: 50 + i, deaths: 1 },
    ]));
    key = await ctx.register('reader-alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });
  const asReader = (query: string, settings?: Record<string, string | number>) =>
    ctx.reader.query({ query, format: 'TabSeparated', ...(settings ? { clickhouse_settings: settings } : {}) }).then((result) => result.text());

  void it('is the user of CLICKHOUSE_READ_URL, not the pipeline\'s, and its profile is readonly=1 with a time limit', async () => {
    assert.notEqual(new URL(ctx.config.CLICKHOUSE_READ_URL).username, new URL(ctx.config.CLICKHOUSE_URL).username || 'default');
    assert.equal(await asReader("SELECT value FROM system.settings WHERE name = 'readonly'"), '1\n');
    assert.ok(Number(await asReader("SELECT value FROM system.settings WHERE name = 'max_execution_time'")) > 0);
  });

  void it('refuses INSERT, CREATE, DROP and ALTER', async () => {
    const table = `${ctx.config.CLICKHOUSE_DATABASE}.daily`;
    await assert.rejects(
      ctx.reader.insert({ table: 'daily', format: 'JSONEachRow', values: [{ country: 'RU', date: '2021-03-01', cases: 1, deaths: 0, source: 'who', version: 1, run_id: 1 }] }),
      READONLY,
    );
    await assert.rejects(ctx.reader.command({ query: `INSERT INTO ${table} (country, date, cases) SELECT country, date, cases FROM ${table}` }), READONLY);
    await assert.rejects(ctx.reader.command({ query: `CREATE TABLE ${ctx.config.CLICKHOUSE_DATABASE}.stolen (x UInt8) ENGINE = Memory` }), READONLY);
    await assert.rejects(ctx.reader.command({ query: `DROP TABLE ${table}` }), READONLY);
    await assert.rejects(ctx.reader.command({ query: `ALTER TABLE ${table} DELETE WHERE 1` }), READONLY);
    // Nothing changed: still 80 rows, as the pipeline's user sees them.
    const count = await ctx.clickhouse.query({ query: `SELECT count() FROM ${table}`, format: 'TabSeparated' }).then((r) => r.text());
    assert.equal(count, '80\n');
  });

  void it('refuses the table functions url() and file() (readonly=2 on 18.16 did not)', async () => {
    await assert.rejects(asReader("SELECT * FROM url('http://127.0.0.1:9/', TSV, 'x String')"), READONLY);
    await assert.rejects(asReader("SELECT * FROM file('users.xml', TSV, 'x String')"), READONLY);
  });

  void it('refuses to lift its limits: SET, SETTINGS readonly=0, a setting in the request', async () => {
    await assert.rejects(asReader('SELECT 1 SETTINGS readonly = 0'), READONLY);
    await assert.rejects(ctx.reader.command({ query: 'SET readonly = 0' }), READONLY);
    await assert.rejects(asReader('SELECT 1', { readonly: 0 }), READONLY);
    await assert.rejects(asReader('SELECT 1', { max_execution_time: 3600 }), READONLY);
  });

  void it('answers the data queries, exports, measures, places and readiness', async () => {
    const small = await get('/v1/daily?country=RU&start=2021-01-05&end=2021-01-06&fields=date,cases');
    assert.equal(small.statusCode, 200, small.body);
    assert.deepEqual(small.json<{ data: unknown[] }>().data, [
      { date: '2021-01-05', cases: 104 },
      { date: '2021-01-06', cases: 105 },
    ]);
    // The whole table: an export, streamed on the export client.
    const csv = await get('/v1/daily?format=csv');
    assert.equal(csv.statusCode, 200, csv.body);
    assert.equal(csv.body.trim().split('\n').length, 1 + 80);
    const measures = await get('/v1/daily?country=RU&start=2021-01-07&end=2021-01-07&fields=date,cases_7d,cumulative_cases');
    assert.equal(measures.statusCode, 200, measures.body);
    assert.deepEqual(measures.json<{ data: unknown[] }>().data, [{ date: '2021-01-07', cases_7d: (100 + 101 + 102 + 103 + 104 + 105 + 106) / 7, cumulative_cases: 100 + 101 + 102 + 103 + 104 + 105 + 106 }]);
    const world = await get('/v1/daily?country=WORLD&start=2021-01-01&end=2021-01-01&fields=date,cases');
    assert.deepEqual(world.json<{ data: unknown[] }>().data, [{ date: '2021-01-01', cases: 150 }]);
    const countries = await get('/v1/countries');
    assert.equal(countries.statusCode, 200, countries.body);
    assert.equal((await get('/cases?country=DE')).statusCode, 200);
    assert.equal((await get('/summary?country=DE')).statusCode, 200);
    const ready = await ctx.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
  });

  void it('reads system.parts: a row written past the sink is still seen (the data-version safety check)', async () => {
    // Two polls without an announcement first (a change in the same poll as an announced one
    // passes for announced: caching.test.ts).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const started = performance.now();
    await ctx.insertUnannounced([{ country: 'DE', date: '2021-02-10', cases: 7, deaths: 0 }]);
    let last = '';
    while (performance.now() - started < 5_000 && last !== '2021-02-10') {
      last = (await get('/cases?country=DE')).json<{ date: string[] }>().date.at(-1)!;
      if (last !== '2021-02-10') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(last, '2021-02-10');
  });
});
