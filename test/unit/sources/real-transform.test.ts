// The transformation rules and the ECDC/WHO boundary on the real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEcdc } from '../../../src/pipeline/sources/ecdc.ts';
import { readWho } from '../../../src/pipeline/sources/who.ts';
import { collectRead, type SourceRead } from '../../../src/pipeline/sources/collect.ts';
import { transformSourceSeries } from '../../../src/domain/transform/source.ts';
import { coverageContext } from '../../../src/domain/transform/coverage.ts';
import { applyCoverage, coverageContextOf } from '../../support/coverage-chain.ts';
import { deriveEcdcWhoOffsets, ECDC_COUNTRIES, ECDC_WHO_DAY_OFFSETS, ecdcLastDate } from '../../../src/domain/transform/boundary.ts';
import { addDays } from '../../../src/domain/dates.ts';
import type { DailyRecord } from '../../../src/domain/record.ts';
import { ECDC_RECONSTRUCTED, ecdcFileTotals, open, plainRows, WHO_DAILY, WHO_WEEKLY, whoFileTotals } from './real-files.ts';

const cache = new Map<string, Promise<SourceRead>>();
function read(file: string): Promise<SourceRead> {
  let r = cache.get(file);
  if (!r) {
    r = file === ECDC_RECONSTRUCTED ? collectRead('ecdc', readEcdc(open(file))) : collectRead('who', readWho(open(file)));
    cache.set(file, r);
  }
  return r;
}

function totalsOf(records: DailyRecord[]) {
  const totals = new Map<string, { cases: number; deaths: number }>();
  for (const r of records) {
    const t = totals.get(r.country) ?? { cases: 0, deaths: 0 };
    t.cases += r.cases;
    t.deaths += r.deaths;
    totals.set(r.country, t);
  }
  return totals;
}

for (const [name, file, expected] of [
  ['ECDC 2020-12-14', ECDC_RECONSTRUCTED, () => ecdcFileTotals(ECDC_RECONSTRUCTED)],
  ['WHO daily', WHO_DAILY, () => whoFileTotals(WHO_DAILY)],
  ['WHO weekly', WHO_WEEKLY, () => whoFileTotals(WHO_WEEKLY)],
] as const) {
  test(`${name}: with zero fill, every country's totals equal the file's sums exactly`, async () => {
    const source = await read(file);
    const { records } = transformSourceSeries(source.source, source.series, 'zero');
    const fromFile = expected();
    // A country whose every value is 0 or empty has no report and so no records (rule 5).
    for (const [country, t] of fromFile) if (t.cases === 0 && t.deaths === 0) fromFile.delete(country);
    assert.deepEqual(totalsOf(records), fromFile);
  });
}

test('WHO daily: Russia after 2023-05-15, each weekly total kept exactly over its 7 days', async () => {
  const source = await read(WHO_DAILY);
  const ru = transformSourceSeries('who', new Map([['RU', source.series.get('RU')!]]), 'ffill').records;
  const byDate = new Map(ru.map((r) => [r.date, r]));
  // The file's Monday values (PROVENANCE 2a), read again by hand.
  const fileRu = new Map(plainRows(WHO_DAILY).filter((f) => f[1] === 'RU').map((f) => [f[0]!, [Number(f[4]), Number(f[6])]]));
  assert.deepEqual([byDate.get('2023-05-15')!.cases, byDate.get('2023-05-15')!.estimated], [2379, false]);
  for (const monday of ['2023-05-22', '2023-05-29', '2023-06-05']) {
    const week = Array.from({ length: 7 }, (_, i) => byDate.get(addDays(monday, i - 6))!);
    assert.ok(week.every((r) => r !== undefined && r.estimated), monday);
    assert.equal(week.reduce((a, r) => a + r.cases, 0), fileRu.get(monday)![0], `${monday} cases`);
    assert.equal(week.reduce((a, r) => a + r.deaths, 0), fileRu.get(monday)![1], `${monday} deaths`);
    assert.ok(Math.max(...week.map((r) => r.cases)) - Math.min(...week.map((r) => r.cases)) <= 1);
  }
  // The last report is 2023-06-05; the quiet 06-06 and 06-07 give no rows.
  assert.equal(ru.at(-1)!.date, '2023-06-05');
  assert.equal(ru.filter((r) => !r.estimated && r.date > '2023-05-15').length, 0);
});

test('WHO daily: Spain, a weekly reporter that went fortnightly, has its fortnight reports spread and the missed weeks filled', async () => {
  // The file: Spain reports on Fridays (04-21, 04-28, 05-05), then 05-19 and 06-02 with 0 rows
  // between. The 05-19 report lies 14 days after 05-05, which came 7 days after 04-28.
  const source = await read(WHO_DAILY);
  for (const fill of ['zero', 'ffill'] as const) {
    const es = transformSourceSeries('who', new Map([['ES', source.series.get('ES')!]]), fill).records;
    const byDate = new Map(es.map((r) => [r.date, r]));
    for (const [report, cases, deaths] of [['2023-05-19', 22_424, 296], ['2023-06-02', 22_328, 203]] as const) {
      const week = Array.from({ length: 7 }, (_, i) => byDate.get(addDays(report, i - 6))!);
      assert.ok(week.every((r) => r.estimated), `${fill} ${report}`);
      assert.deepEqual([week.reduce((a, r) => a + r.cases, 0), week.reduce((a, r) => a + r.deaths, 0)], [cases, deaths], `${fill} ${report}`);
    }
    // The missed week before 05-19: missing values, filled (0 under zero, 05-05's last spread day under ffill).
    const missed = Array.from({ length: 7 }, (_, i) => byDate.get(addDays('2023-05-06', i))!);
    const last = byDate.get('2023-05-05')!;
    assert.deepEqual(last.estimated, true);
    const expected = fill === 'zero' ? [0, 0] : [last.cases, last.deaths];
    assert.ok(missed.every((r) => r.estimated && r.cases === expected[0] && r.deaths === expected[1]), fill);
  }
});

test('WHO weekly: Russia becomes daily values that keep every weekly total; nothing after 2025-03-16', async () => {
  const source = await read(WHO_WEEKLY);
  const { records, counts } = transformSourceSeries('who', new Map([['RU', source.series.get('RU')!]]), 'ffill');
  assert.equal(records.at(-1)!.date, '2025-03-16');
  const byDate = new Map(records.map((r) => [r.date, r]));
  // 2024-11-18..24 is 28 958 cases, 49 deaths in the file (the week of the brief's example).
  const week = Array.from({ length: 7 }, (_, i) => byDate.get(addDays('2024-11-18', i))!);
  assert.equal(week.reduce((a, r) => a + r.cases, 0), 28958);
  assert.equal(week.reduce((a, r) => a + r.deaths, 0), 49);
  assert.ok(counts.spread > 7 * 200);
});

test('boundary: the committed ECDC→WHO offsets are what the real files show', async () => {
  const [ecdc, who] = await Promise.all([read(ECDC_RECONSTRUCTED), read(WHO_DAILY)]);
  const derived = deriveEcdcWhoOffsets(ecdc.series, who.series);
  const nonZero = Object.fromEntries([...derived].filter(([, e]) => e.offset !== 0).map(([c, e]) => [c, e.offset]));
  assert.deepEqual(nonZero, { ...ECDC_WHO_DAY_OFFSETS });
  assert.deepEqual(derived.get('RU'), { offset: -1, basis: 'running-total' });
  assert.deepEqual([...ecdc.series.keys()].sort(), [...ECDC_COUNTRIES].sort());
  assert.deepEqual(derived.get('BR'), { offset: 1, basis: 'running-total' });
  assert.equal(derived.get('IT')!.offset, 0);
});

test('boundary: Russia\'s last ECDC report and WHO\'s same report meet on one date, kept once', async () => {
  const [ecdc, who] = await Promise.all([read(ECDC_RECONSTRUCTED), read(WHO_DAILY)]);
  const e = transformSourceSeries('ecdc', new Map([['RU', ecdc.series.get('RU')!]]), 'zero').records;
  const w = transformSourceSeries('who', new Map([['RU', who.series.get('RU')!]]), 'zero').records;
  // PROVENANCE 6: ECDC 2020-12-14 = 28080/488 = WHO 2020-12-13.
  assert.equal(ecdcLastDate('RU'), '2020-12-13');
  assert.deepEqual(e.at(-1), { country: 'RU', date: '2020-12-13', cases: 28080, deaths: 488, source: 'ecdc', estimated: false, estimated_cases: false, estimated_deaths: false });
  const { kept } = applyCoverage([...e, ...w], coverageContextOf([...e, ...w]));
  const seam = kept.filter((r) => r.date >= '2020-12-12' && r.date <= '2020-12-15').map((r) => [r.source, r.date, r.cases]);
  assert.deepEqual(seam, [
    ['ecdc', '2020-12-12', 28137], // ECDC's 2020-12-13
    ['ecdc', '2020-12-13', 28080], // ECDC's 2020-12-14, its last report
    ['who', '2020-12-14', 27328],
    ['who', '2020-12-15', 26689],
  ]);
});

test('boundary: for every country whose running totals prove the offset, the chain loses and doubles nothing', async () => {
  const [ecdc, who] = await Promise.all([read(ECDC_RECONSTRUCTED), read(WHO_DAILY)]);
  const ctx = coverageContext();
  const e = transformSourceSeries('ecdc', ecdc.series, 'zero', ctx).records;
  const w = transformSourceSeries('who', who.series, 'zero', ctx).records;
  // The chain's total must equal WHO's own cumulative column on its last day (read by hand from
  // the file): a dropped report makes it smaller, a doubled one larger.
  const lastDay = '2023-06-07';
  const cumulative = new Map(plainRows(WHO_DAILY).filter((f) => f[0] === lastDay).map((f) => [f[1]!, [Number(f[5]), Number(f[7])]]));
  const proven = [...deriveEcdcWhoOffsets(ecdc.series, who.series)].filter(([, ev]) => ev.basis === 'running-total').map(([c]) => c);
  assert.ok(proven.length > 130);
  const chain = totalsOf([...e, ...w]);
  const wrong = proven.filter((c) => {
    const t = chain.get(c) ?? { cases: 0, deaths: 0 };
    const [cases, deaths] = cumulative.get(c)!;
    return t.cases !== cases || t.deaths !== deaths;
  });
  assert.deepEqual(wrong, []);
  // Each (country, date) once.
  const keys = [...e, ...w].map((r) => `${r.country}:${r.date}`);
  assert.equal(new Set(keys).size, keys.length);

  // Spreading WHO first and cutting afterwards would lose most of Benin's 62 cases of
  // 2020-12-16, a weekly report whose 7 days begin before the seam.
  const unclipped = transformSourceSeries('who', new Map([['BJ', who.series.get('BJ')!]]), 'zero').records;
  const cutAfterwards = applyCoverage(unclipped, ctx).kept.reduce((a, r) => a + r.cases, 0);
  const clipped = w.filter((r) => r.country === 'BJ').reduce((a, r) => a + r.cases, 0);
  assert.equal(clipped - cutAfterwards, 45); // 62 spread 9,9,9,9,9,9,8 from 12-10: the five days to 12-14 lost

  // The single calendar cut the original used (ECDC <= 2020-12-14 as dated by ECDC, WHO after)
  // gets Russia wrong: one report is lost.
  const ruNaive =
    [...ecdc.series.get('RU')!].reduce((a, p) => a + p.cases!, 0) +
    w.filter((r) => r.country === 'RU' && r.date > '2020-12-14').reduce((a, r) => a + r.cases, 0);
  assert.equal(cumulative.get('RU')![0]! - ruNaive, 27328); // WHO's 2020-12-14 report
});
