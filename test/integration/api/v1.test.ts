// The versioned endpoints against real PostgreSQL and ClickHouse: countries with coverage,
// daily data in JSON, CSV and NDJSON (by Accept or format), fields, several or all countries,
// the per-country summary and the pipeline status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext, type DailyInsert } from './context.ts';

const RU: DailyInsert[] = [
  ...dateRange('2020-12-13', 3).map((date, i) => ({ country: 'RU', date, cases: 28_000 + i, deaths: 500 + i, source: i < 2 ? 'ecdc' : 'who' })),
  ...dateRange('2024-01-01', 7).map((date) => ({ country: 'RU', date, cases: 1_000, deaths: 10, source: 'stopcoronavirus', estimated: true })),
];
const DE: DailyInsert[] = dateRange('2021-03-01', 4).map((date, i) => ({ country: 'DE', date, cases: 100 + i, deaths: i, source: 'who', region: 'EUR' }));
const XK: DailyInsert[] = [{ country: 'XK', date: '2021-03-02', cases: 5, deaths: 0, source: 'who' }];
// Namibia's code is what pandas reads as a missing value; its deaths were filled that day.
const NA: DailyInsert[] = [{ country: 'NA', date: '2021-03-02', cases: 41, deaths: 1, source: 'who', estimated: true, estimated_cases: false, estimated_deaths: true }];

const row = (r: DailyInsert) => ({
  country: r.country,
  date: r.date,
  cases: r.cases,
  deaths: r.deaths,
  estimated: r.estimated ?? false,
  source: r.source ?? 'who',
  estimated_cases: r.estimated_cases ?? r.estimated ?? false,
  estimated_deaths: r.estimated_deaths ?? r.estimated ?? false,
});
const ALL = [...DE, ...NA, ...RU, ...XK].map(row); // (country, date) order

void describe('/v1', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily([...RU, ...DE, ...XK, ...NA]);
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });

  void it('GET /v1/countries lists coverage and sources', async () => {
    const response = await get('/v1/countries');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      countries: [
        {
          country: 'DE',
          name: 'Germany',
          region: 'EUR',
          first_date: '2021-03-01',
          last_date: '2021-03-04',
          days: 4,
          missing_days: 0,
          sources: ['who'],
          source_ranges: [{ source: 'who', first_date: '2021-03-01', last_date: '2021-03-04', days: 4 }],
        },
        {
          country: 'NA',
          name: 'Namibia',
          region: null,
          first_date: '2021-03-02',
          last_date: '2021-03-02',
          days: 1,
          missing_days: 0,
          sources: ['who'],
          source_ranges: [{ source: 'who', first_date: '2021-03-02', last_date: '2021-03-02', days: 1 }],
        },
        {
          country: 'RU',
          name: 'Russia',
          region: null,
          first_date: '2020-12-13',
          last_date: '2024-01-07',
          days: 10,
          // 2020-12-13 .. 2024-01-07 is 1,121 days; 10 have a row.
          missing_days: 1_111,
          sources: ['ecdc', 'stopcoronavirus', 'who'],
          source_ranges: [
            { source: 'ecdc', first_date: '2020-12-13', last_date: '2020-12-14', days: 2 },
            { source: 'who', first_date: '2020-12-15', last_date: '2020-12-15', days: 1 },
            { source: 'stopcoronavirus', first_date: '2024-01-01', last_date: '2024-01-07', days: 7 },
          ],
        },
        {
          country: 'XK',
          name: 'Kosovo',
          region: null,
          first_date: '2021-03-02',
          last_date: '2021-03-02',
          days: 1,
          missing_days: 0,
          sources: ['who'],
          source_ranges: [{ source: 'who', first_date: '2021-03-02', last_date: '2021-03-02', days: 1 }],
        },
      ],
    });
  });

  void it('GET /v1/daily gives every country as JSON by default, estimated and source included', async () => {
    const response = await get('/v1/daily');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(response.json(), { data: ALL });
  });

  void it('filters by one or several countries and an inclusive range, and picks fields in order', async () => {
    const response = await get('/v1/daily?country=ru,DE&start=2020-12-14&end=2021-03-02&fields=date,country,cases');
    assert.deepEqual(response.json(), {
      data: [
        { date: '2021-03-01', country: 'DE', cases: 100 },
        { date: '2021-03-02', country: 'DE', cases: 101 },
        { date: '2020-12-14', country: 'RU', cases: 28_001 },
        { date: '2020-12-15', country: 'RU', cases: 28_002 },
      ],
    });
    const body = response.body;
    assert.ok(body.indexOf('"date"') < body.indexOf('"country"'), 'fields in the requested order');
    const empty = await get('/v1/daily?country=DE&start=2030-01-01');
    assert.deepEqual(empty.json(), { data: [] });
  });

  void it('answers CSV and NDJSON by Accept or by format', async () => {
    const expectedCsv = ['country,date,cases,deaths,estimated,source,estimated_cases,estimated_deaths', ...ALL.map((r) => Object.values(r).join(',')), ''].join('\r\n');
    for (const [headers, query] of [
      [{ accept: 'text/csv' }, ''],
      [{ accept: 'application/json;q=0.5, text/csv' }, ''],
      [{ accept: 'application/json' }, '?format=csv'],
      [{}, '?format=csv'],
    ] as const) {
      const response = await get(`/v1/daily${query}`, headers);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8; header=present');
      assert.equal(response.body, expectedCsv);
    }
    const ndjson = await get('/v1/daily?country=DE', { accept: 'application/x-ndjson' });
    assert.equal(ndjson.headers['content-type'], 'application/x-ndjson; charset=utf-8');
    assert.deepEqual(ndjson.body.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown), DE.map(row));
    const picked = await get('/v1/daily?country=RU&start=2024-01-07&fields=date,estimated&format=ndjson');
    assert.equal(picked.body, '{"date":"2024-01-07","estimated":true}\n');
    const csvPicked = await get('/v1/daily?country=XK&fields=source,cases&format=csv');
    assert.equal(csvPicked.body, 'source,cases\r\nwho,5\r\n');
  });

  void it('refuses an Accept it cannot satisfy with 406; */* and no Accept give JSON', async () => {
    const refused = await get('/v1/daily', { accept: 'application/xml' });
    assert.equal(refused.statusCode, 406);
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal((await get('/v1/daily', { accept: 'text/csv;q=0' })).statusCode, 406);
    assert.equal((await get('/v1/daily', { accept: '*/*' })).headers['content-type'], 'application/json; charset=utf-8');
  });

  void it('GET /v1/countries/{country}/summary names the country and has the /summary numbers', async () => {
    const response = await get('/v1/countries/de/summary');
    assert.equal(response.statusCode, 200);
    const body = response.json<Record<string, unknown>>();
    assert.equal(body.country, 'DE');
    const { country: _country, ...rest } = body;
    assert.deepEqual(rest, (await get('/summary?country=DE')).json());
    assert.deepEqual(body.max_cases, { time: '2021-03-04', value: 103 });
    assert.equal((await get('/v1/countries/ZZ/summary')).statusCode, 400);
    assert.equal((await get('/v1/countries/RUS/summary')).statusCode, 200);
  });

  void it('GET /v1/status shows the last run, the last execution of each task and freshness per source', async () => {
    const empty = await get('/v1/status');
    assert.equal(empty.statusCode, 200);
    assert.equal(empty.headers['cache-control'], 'no-store');
    const before = empty.json<{ last_run: unknown; tasks: unknown[]; freshness: { source: string; last_date: string }[] }>();
    assert.equal(before.last_run, null);
    assert.deepEqual(before.tasks, []);
    assert.deepEqual(
      before.freshness.map((f) => [f.source, f.last_date]),
      [
        ['ecdc', '2020-12-14'],
        ['who', '2021-03-04'],
        ['stopcoronavirus', '2024-01-07'],
      ],
    );

    const { rows } = await ctx.pool.query<{ id: string }>(
      `INSERT INTO etl_runs (trigger, state, branch, started_at, finished_at) VALUES
         ('startup', 'succeeded', 'history', '2024-01-01T03:00:00Z', '2024-01-01T03:10:00Z'),
         ('schedule', 'failed', 'changes', '2024-01-02T03:00:00Z', '2024-01-02T03:01:00Z') RETURNING id`,
    );
    const [first, second] = rows.map((r) => r.id);
    await ctx.pool.query(
      `INSERT INTO etl_tasks (run_id, name, position, state, attempts, started_at, finished_at, error, counts) VALUES
         ($1, 'check_history', 1, 'succeeded', 1, '2024-01-01T03:00:00Z', '2024-01-01T03:00:01Z', NULL, '{}'),
         ($1, 'load_ecdc_2020', 2, 'succeeded', 1, '2024-01-01T03:00:01Z', '2024-01-01T03:05:00Z', NULL, '{"read": 61900, "published": 61000}'),
         ($2, 'check_history', 1, 'succeeded', 1, '2024-01-02T03:00:00Z', '2024-01-02T03:00:01Z', NULL, '{}'),
         ($2, 'load_ecdc_2020', 2, 'skipped', 0, NULL, NULL, NULL, '{}'),
         ($2, 'check_sources', 4, 'failed', 3, '2024-01-02T03:00:01Z', '2024-01-02T03:01:00Z', 'no week heading', '{}')`,
      [first, second],
    );
    const status = (await get('/v1/status')).json<{
      data_version: string;
      last_run: { id: number; state: string; tasks: { name: string; state: string }[] };
      tasks: { name: string; run_id: number; state: string; counts: Record<string, number>; error: string | null }[];
    }>();
    assert.equal(status.last_run.id, Number(second));
    assert.equal(status.last_run.state, 'failed');
    assert.deepEqual(status.last_run.tasks.map((t) => [t.name, t.state]), [
      ['check_history', 'succeeded'],
      ['load_ecdc_2020', 'skipped'],
      ['check_sources', 'failed'],
    ]);
    assert.deepEqual(status.tasks.map((t) => [t.name, t.run_id, t.state]), [
      ['check_history', Number(second), 'succeeded'],
      ['load_ecdc_2020', Number(first), 'succeeded'],
      ['check_sources', Number(second), 'failed'],
    ]);
    assert.deepEqual(status.tasks[1]!.counts, { read: 61900, published: 61000 });
    assert.equal(status.tasks[2]!.error, 'no week heading');
    assert.match(status.data_version, /^[A-Za-z0-9_-]{16}$/);
  });
  void it('takes a country as alpha-2, alpha-3 or English name, wherever a country is taken', async () => {
    const expected = (await get('/v1/daily?country=RU')).body;
    for (const spelling of ['ru', 'RUS', 'rus', 'Russia', 'russian%20federation', 'Russian+Federation']) {
      const response = await get(`/v1/daily?country=${spelling}`);
      assert.equal(response.statusCode, 200, spelling);
      assert.equal(response.body, expected, spelling);
    }
    const several = await get('/v1/daily?country=Namibia,DEU,xk&fields=country');
    assert.deepEqual(several.json(), { data: [...DE, ...NA, ...XK].map((r) => ({ country: r.country })) });
    assert.equal((await get('/v1/countries/Russia/summary')).json<{ country: string }>().country, 'RU');
    assert.deepEqual((await get('/cases?country=RUS')).json(), (await get('/cases?country=RU')).json());
  });

  void it('offers iso3 and name as fields, and says per row which count was estimated', async () => {
    const csv = await get('/v1/daily?country=NA,XK,DE&end=2021-03-02&fields=country,iso3,name,cases,estimated,estimated_cases,estimated_deaths&format=csv');
    assert.equal(
      csv.body,
      [
        'country,iso3,name,cases,estimated,estimated_cases,estimated_deaths',
        'DE,DEU,Germany,100,false,false,false',
        'DE,DEU,Germany,101,false,false,false',
        'NA,NAM,Namibia,41,true,false,true',
        'XK,XKX,Kosovo,5,false,false,false',
        '',
      ].join('\r\n'),
    );
    const week = await get('/v1/daily?country=RU&start=2024-01-07&fields=estimated,estimated_cases,estimated_deaths');
    assert.deepEqual(week.json(), { data: [{ estimated: true, estimated_cases: true, estimated_deaths: true }] });
  });

  void it('streams a large export completely', async () => {
    const many: DailyInsert[] = [];
    const countries = ['FR', 'IT', 'ES', 'PL', 'SE', 'NO', 'FI', 'DK'];
    for (const country of countries) {
      for (const [i, date] of dateRange('2020-01-01', 2_000).entries()) many.push({ country, date, cases: i, deaths: i % 10 });
    }
    await ctx.insertDaily(many);
    const response = await get('/v1/daily?format=csv&fields=country,date,cases');
    assert.equal(response.statusCode, 200);
    const lines = response.body.trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + ALL.length + many.length);
    assert.equal(lines.at(-2), `SE,${dateRange('2020-01-01', 2_000)[1_999]},1999`);
    assert.equal(lines.at(-1), 'XK,2021-03-02,5');
    const json = await get('/v1/daily?country=FR,IT');
    assert.equal(json.json<{ data: unknown[] }>().data.length, 4_000);
  });
});
