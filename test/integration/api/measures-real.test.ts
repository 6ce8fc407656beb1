// Measures and places on the real files (ECDC's final release and WHO's daily file, as the
// pipeline transforms them): Russia's 7-day means and running totals are those of its own daily
// values, for the whole series and for one-day ranges; WORLD and every region on every date are
// the sums over their members' rows that day, with the right count.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRealStore } from '../../support/real-store.ts';
import { createApiTestContext, type ApiTestContext } from './context.ts';
import { expectedPlace, withMeasures, type MeasuredJson } from './measures-reference.ts';

const FIELDS = 'country,date,cases,deaths,estimated,source,countries,cases_7d,deaths_7d,cumulative_cases,cumulative_deaths';

void describe('/v1 measures and places on the real files', () => {
  let ctx: ApiTestContext;
  let key: string;
  let rows: MeasuredJson[];
  before(async () => {
    // A place's series over the real store takes ClickHouse about a second on a busy 2-core
    // machine: room for that, not the production time limit under test.
    ctx = await createApiTestContext({ overrides: { CLICKHOUSE_QUERY_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '60000' } });
    await loadRealStore(ctx.clickhouse, ctx.config.CLICKHOUSE_DATABASE);
    key = await ctx.register('alice');
    rows = await data(`/v1/daily?fields=country,date,cases,deaths,estimated,source`);
  });
  after(() => ctx.close());

  async function data(url: string): Promise<MeasuredJson[]> {
    const response = await ctx.app.inject({ url, headers: { 'x-key': key } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ data: MeasuredJson[] }>().data;
  }

  void it("Russia: every 7-day mean and running total is that of its daily values, also for one-day ranges", async () => {
    const ru = rows.filter((r) => r.country === 'RU');
    assert.ok(ru.length > 1200, `${ru.length} days`);
    const expected = withMeasures('RU', ru);
    assert.deepEqual(await data(`/v1/daily?country=RU&fields=${FIELDS}`), expected);
    assert.ok(expected.filter((r) => r.cases_7d !== null).length > 1000);
    for (const i of [6, 400, Math.floor(ru.length / 2), ru.length - 1]) {
      const day = expected[i]!;
      assert.deepEqual(await data(`/v1/daily?country=RU&start=${day.date}&end=${day.date}&fields=${FIELDS}`), [day], day.date);
    }
  });

  void it('WORLD and each region on every date are the sums over their members rows that day', async () => {
    const response = await ctx.app.inject({ url: '/v1/regions', headers: { 'x-key': key } });
    const { regions } = response.json<{ regions: { place: string; members: string[] }[] }>();
    const world = regions.find((r) => r.place === 'WORLD')!;
    assert.deepEqual(world.members, [...new Set(rows.map((r) => r.country))].sort());
    const inRegions = regions.filter((r) => r.place !== 'WORLD').flatMap((r) => r.members);
    assert.equal(new Set(inRegions).size, inRegions.length, 'a country is in one region at most');
    assert.ok(regions.find((r) => r.place === 'EUR')!.members.includes('RU'));
    for (const { place, members } of regions) {
      const memberSet = new Set(members);
      assert.ok(members.length > 0 || place === 'WORLD', place);
      const expected = expectedPlace(place, rows.filter((r) => memberSet.has(r.country)));
      assert.deepEqual(await data(`/v1/daily?country=${place}&fields=${FIELDS}`), expected, place);
    }
  });
});
