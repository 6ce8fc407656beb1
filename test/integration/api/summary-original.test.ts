// /summary?country=RU on Russia's real rows (the WHO daily file through the transformation
// rules) against the original's formulas, computed independently (original-summary.ts): every
// field. The window's first day changes the trends on this data, so a window that left it out
// would fail here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { transformSourceSeries } from '../../../src/domain/transform/source.ts';
import { collectRead } from '../../../src/pipeline/sources/collect.ts';
import { readWho } from '../../../src/pipeline/sources/who.ts';
import { open, WHO_DAILY } from '../../unit/sources/real-files.ts';
import { createApiTestContext, type ApiTestContext } from './context.ts';
import { assertSummary, expectedSummary, type SummaryRow } from './original-summary.ts';

void describe('/summary on the real Russian series', () => {
  let ctx: ApiTestContext;
  let key: string;
  let rows: SummaryRow[];
  before(async () => {
    const source = await collectRead('who', readWho(open(WHO_DAILY)));
    const { records } = transformSourceSeries('who', new Map([['RU', source.series.get('RU')!]]), 'ffill');
    rows = records.map(({ date, cases, deaths }) => ({ date, cases, deaths }));
    ctx = await createApiTestContext();
    await ctx.insertDaily(records.map((r) => ({ country: r.country, date: r.date, cases: r.cases, deaths: r.deaths, estimated: r.estimated })));
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  void it('equals the original formulas, every field', async () => {
    assert.ok(rows.length > 1_000, `${rows.length} rows`);
    const response = await ctx.app.inject({ url: '/summary?country=RU', headers: { 'x-key': key } });
    assert.equal(response.statusCode, 200);
    assertSummary(response.json(), expectedSummary(rows), 'RU');
  });

  void it('the window starts on latest - N: without that day every trend would differ', async () => {
    const latest = Date.parse(rows.at(-1)!.date);
    const body = (await ctx.app.inject({ url: '/summary?country=RU', headers: { 'x-key': key } })).json<{
      trends: Record<'cases' | 'deaths', Record<string, number>>;
    }>();
    for (const [window, days] of [['last_6_months', 180], ['last_year', 365], ['last_2_years', 730]] as const) {
      const withoutFirstDay = expectedSummary(rows.filter((r) => Date.parse(r.date) > latest - days * 86_400_000));
      // The 2-year window of the shortened series holds all of it: its slope is the left-open window's.
      assert.notEqual(body.trends.cases[window], withoutFirstDay.trends.cases.last_2_years, window);
    }
  });
});
