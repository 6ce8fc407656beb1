// Measures and places (SPEC 6.1) against the real ClickHouse, on hand-made series: a gap, a
// negative correction, estimated rows, countries in no region, a country whose region changed,
// and a revision of one row that must change its 7-day means, running totals and the world at
// once. Every expected value is worked out here from the inserted rows, never copied.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext, type DailyInsert } from './context.ts';
import { expectedMeasures, expectedPlace, type MeasuredJson } from './measures-reference.ts';

// RU: 12 days with a negative correction on day 9, then a gap (2021-01-13 has no row), then 9 more.
const RU: DailyInsert[] = [
  ...dateRange('2021-01-01', 12).map((date, i) => ({ country: 'RU', date, cases: i === 8 ? -40 : 100 + 10 * i, deaths: i % 3, region: 'EUR' })),
  ...dateRange('2021-01-14', 9).map((date, i) => ({ country: 'RU', date, cases: 300 + i, deaths: 2, region: 'EUR', estimated: i > 6 })),
];
// DE: fewer days, EUR; its first rows said no region (OTHER), its latest says EUR.
const DE: DailyInsert[] = dateRange('2021-01-05', 15).map((date, i) => ({ country: 'DE', date, cases: 50 + i, deaths: 1, region: i < 3 ? 'OTHER' : 'EUR' }));
const BR: DailyInsert[] = dateRange('2021-01-01', 22).map((date, i) => ({ country: 'BR', date, cases: 1000 - i, deaths: 10, region: 'AMR' }));
// FO: WHO gives no region; GB: ECDC rows only, no region carried. Both count for WORLD alone.
const FO: DailyInsert[] = dateRange('2021-01-10', 5).map((date) => ({ country: 'FO', date, cases: 3, deaths: 0, region: 'OTHER' }));
const GB: DailyInsert[] = dateRange('2020-12-28', 10).map((date, i) => ({ country: 'GB', date, cases: 700 + i, deaths: 7, source: 'ecdc' }));
const ROWS = [...RU, ...DE, ...BR, ...FO, ...GB];

const MEASURE_FIELDS = 'country,date,cases,deaths,estimated,source,countries,cases_7d,deaths_7d,cumulative_cases,cumulative_deaths';

void describe('/v1 measures and places', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily(ROWS);
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });
  const data = async (url: string) => {
    const response = await get(url);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ data: MeasuredJson[] }>().data;
  };

  void it("a country's 7-day means and running totals are those of its daily values, null without 7 days of rows", async () => {
    const served = await data(`/v1/daily?country=RU&fields=${MEASURE_FIELDS}`);
    assert.deepEqual(served, expectedMeasures(RU));
    const byDate = new Map(served.map((r) => [r.date, r]));
    assert.equal(byDate.get('2021-01-06')!.cases_7d, null, 'the first 6 days have no mean');
    assert.equal(byDate.get('2021-01-07')!.cases_7d, (100 + 110 + 120 + 130 + 140 + 150 + 160) / 7);
    assert.equal(byDate.get('2021-01-09')!.cases_7d, (120 + 130 + 140 + 150 + 160 + 170 - 40) / 7, 'the correction counts');
    for (const date of dateRange('2021-01-14', 6)) assert.equal(byDate.get(date)!.cases_7d, null, `${date}: the gap of 01-13 is inside its 7 days`);
    assert.equal(byDate.get('2021-01-20')!.cases_7d, (300 + 301 + 302 + 303 + 304 + 305 + 306) / 7);
    assert.equal(byDate.get('2021-01-22')!.cumulative_cases, RU.reduce((sum, r) => sum + r.cases, 0));
  });

  void it('a range keeps the rows, not the history: a one-day range has the same measures as the whole series', async () => {
    const whole = new Map(expectedMeasures(RU).map((r) => [r.date, r]));
    for (const date of ['2021-01-10', '2021-01-12', '2021-01-20']) {
      assert.deepEqual(await data(`/v1/daily?country=RU&start=${date}&end=${date}&fields=${MEASURE_FIELDS}`), [whole.get(date)], date);
    }
    assert.deepEqual(await data(`/v1/daily?country=RU&start=2021-01-13&end=2021-01-13&fields=${MEASURE_FIELDS}`), [], 'no row on a gap');
  });

  void it('WORLD and each region sum their members rows on each date, count them, and are estimated when any is', async () => {
    const places = await data(`/v1/daily?country=WORLD,EUR,AMR,AFR&fields=${MEASURE_FIELDS}`);
    const expected = [
      ...expectedPlace('AMR', BR),
      ...expectedPlace('EUR', [...DE, ...RU]),
      ...expectedPlace('WORLD', ROWS),
    ];
    assert.deepEqual(places, expected);
    const world = new Map(places.filter((r) => r.country === 'WORLD').map((r) => [r.date, r]));
    assert.deepEqual(
      { cases: world.get('2021-01-10')!.cases, countries: world.get('2021-01-10')!.countries, source: world.get('2021-01-10')!.source },
      { cases: 190 + 55 + 991 + 3, countries: 4, source: null },
    );
    assert.equal(world.get('2021-01-21')!.estimated, true, 'RU is estimated that day');
    assert.equal(world.get('2021-01-13')!.countries, 3, 'RU has no row that day: it adds nothing');
  });

  void it("the default columns of a place include countries; old region codes are the same place; CSV and NDJSON carry nulls", async () => {
    const [first] = await data('/v1/daily?country=euro&start=2021-01-01&end=2021-01-01');
    assert.deepEqual(first, {
      country: 'EUR',
      date: '2021-01-01',
      cases: 100,
      deaths: 0,
      estimated: false,
      source: null,
      estimated_cases: false,
      estimated_deaths: false,
      countries: 1,
    });
    const csv = await get('/v1/daily?country=EUR&end=2021-01-02&fields=country,date,source,cases_7d,cumulative_cases&format=csv');
    assert.equal(csv.body, 'country,date,source,cases_7d,cumulative_cases\r\nEUR,2021-01-01,,,100\r\nEUR,2021-01-02,,,210\r\n');
    const ndjson = await get('/v1/daily?country=RU&start=2021-01-07&end=2021-01-07&fields=date,cases_7d,deaths_7d&format=ndjson');
    assert.equal(ndjson.body, `${JSON.stringify({ date: '2021-01-07', cases_7d: 130, deaths_7d: 6 / 7 })}\n`);
  });

  void it('GET /v1/regions lists WORLD and the six regions with names and members; /v1/countries has name and region', async () => {
    const response = await get('/v1/regions');
    assert.equal(response.statusCode, 200);
    const regions = response.json<{ regions: { place: string; name: string; aliases: string[]; members: string[] }[] }>().regions;
    assert.deepEqual(
      regions.map((r) => [r.place, r.members]),
      [
        ['WORLD', ['BR', 'DE', 'FO', 'GB', 'RU']],
        ['AFR', []],
        ['AMR', ['BR']],
        ['EMR', []],
        ['EUR', ['DE', 'RU']],
        ['SEAR', []],
        ['WPR', []],
      ],
    );
    assert.deepEqual(regions[4], { place: 'EUR', name: 'European Region', aliases: ['EURO'], members: ['DE', 'RU'] });
    const countries = (await get('/v1/countries')).json<{ countries: { country: string; name: string; region: string | null }[] }>().countries;
    assert.deepEqual(
      countries.map((c) => [c.country, c.name, c.region]),
      [
        ['BR', 'Brazil', 'AMR'],
        ['DE', 'Germany', 'EUR'],
        ['FO', 'Faroe Islands', null],
        ['GB', 'United Kingdom', null],
        ['RU', 'Russia', 'EUR'],
      ],
    );
  });

  void it('the summary of a place is that of its daily sums', async () => {
    const response = await get('/v1/countries/amro/summary');
    assert.equal(response.statusCode, 200, response.body);
    const summary = response.json<{ country: string; max_cases: { time: string; value: number }; mean: { cases: number } }>();
    assert.equal(summary.country, 'AMR');
    assert.deepEqual(summary.max_cases, { time: '2021-01-01', value: 1000 });
    assert.equal(summary.mean.cases, BR.reduce((sum, r) => sum + r.cases, 0) / BR.length);
  });

  void it('a place that is none, or a field that is none, is a 400 naming what is accepted', async () => {
    const bad = await get('/v1/daily?country=RU,EUROPE');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /'EUROPE' .*nor is it a place \(WORLD, AFR, AMR, EMR, EUR, SEAR, WPR \(older codes AFRO, AMRO, EMRO, EURO, SEARO, WPRO too\)\)/);
    const field = await get('/v1/daily?country=WORLD&fields=date,cases_14d');
    assert.equal(field.statusCode, 400);
    assert.match(field.body, /'cases_14d' is not a field/);
    assert.equal((await get('/v1/countries/OTHER/summary')).statusCode, 400);
  });

  void it('a revision of one row changes its 7-day means, running totals and the world total at once; cached answers follow', async () => {
    const url = `/v1/daily?country=RU,WORLD&fields=${MEASURE_FIELDS}`;
    // Answers about one place alone: they depend on every member's rows, not on a "country" WORLD.
    const worldAlone = await get('/v1/daily?country=WORLD&start=2021-01-04&end=2021-01-04');
    const europeSummary = await get('/v1/countries/EUR/summary');
    const before = await get(url);
    assert.equal((await get(url, { 'if-none-match': before.headers.etag as string })).statusCode, 304, 'cached while nothing changed');
    const revised = RU.map((r) => (r.date === '2021-01-04' ? { ...r, cases: r.cases + 700, version: Date.now() * 1000 + 1_000_000 } : r));
    await ctx.insertDaily([revised.find((r) => r.date === '2021-01-04')!]);

    const after = await get(url);
    assert.notEqual(after.headers.etag, before.headers.etag);
    const rows = after.json<{ data: MeasuredJson[] }>().data;
    assert.deepEqual(rows.filter((r) => r.country === 'RU'), expectedMeasures(revised));
    const world = rows.filter((r) => r.country === 'WORLD');
    assert.deepEqual(world, expectedPlace('WORLD', [...revised, ...DE, ...BR, ...FO, ...GB]));
    const was = new Map(before.json<{ data: MeasuredJson[] }>().data.filter((r) => r.country === 'WORLD').map((r) => [r.date, r]));
    const changed = world.filter((r) => JSON.stringify(r) !== JSON.stringify(was.get(r.date))).map((r) => r.date);
    // The day itself (cases, cumulative), and every later day (cumulative; the means of 01-07..01-10).
    assert.deepEqual(changed, dateRange('2021-01-04', 19));
    assert.equal(world.find((r) => r.date === '2021-01-04')!.cases, was.get('2021-01-04')!.cases + 700);
    assert.ok(Math.abs(world.find((r) => r.date === '2021-01-07')!.cases_7d! - was.get('2021-01-07')!.cases_7d! - 100) < 1e-9);
    const worldAfter = await get('/v1/daily?country=WORLD&start=2021-01-04&end=2021-01-04');
    assert.equal(worldAfter.json<{ data: MeasuredJson[] }>().data[0]!.cases, worldAlone.json<{ data: MeasuredJson[] }>().data[0]!.cases + 700);
    const europeAfter = await get('/v1/countries/EUR/summary');
    assert.notEqual(europeAfter.headers.etag, europeSummary.headers.etag);
    assert.notDeepEqual(europeAfter.json(), europeSummary.json());
  });
});
