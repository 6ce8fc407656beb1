// Rule 2: the coverage chain and the ECDC → WHO boundary, on hand-made records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deriveEcdcWhoOffsets,
  ecdcDayOffset,
  ecdcLastDate,
  ecdcToWhoDate,
} from '../../../src/domain/transform/boundary.ts';
import { coverageContext, coverageRange } from '../../../src/domain/transform/coverage.ts';
import { applyCoverage, coverageContextOf } from '../../support/coverage-chain.ts';
import { transformSourceSeries } from '../../../src/domain/transform/source.ts';
import type { DailyRecord, SourceName } from '../../../src/domain/record.ts';
import type { SeriesPoint } from '../../../src/domain/transform/types.ts';

const rec = (source: SourceName, country: string, date: string, cases = 1): DailyRecord => ({ country, date, cases, deaths: 0, source, estimated: false, estimated_cases: false, estimated_deaths: false });

test('boundary: Russia moves ECDC dates one day back, Brazil one forward, Italy stays', () => {
  assert.equal(ecdcDayOffset('RU'), -1);
  assert.equal(ecdcToWhoDate('RU', '2020-12-14'), '2020-12-13');
  assert.equal(ecdcLastDate('RU'), '2020-12-13');
  assert.equal(ecdcDayOffset('BR'), 1);
  assert.equal(ecdcLastDate('BR'), '2020-12-15');
  assert.equal(ecdcDayOffset('IT'), 0);
  assert.equal(ecdcLastDate('IT'), '2020-12-14');
});

test('boundary: the transform of ECDC applies the offset to every date of the country', () => {
  const series = new Map<string, SeriesPoint[]>([
    ['RU', [{ date: '2020-12-13', cases: 28585, deaths: 613 }, { date: '2020-12-14', cases: 28080, deaths: 488 }]],
    ['IT', [{ date: '2020-12-14', cases: 12030, deaths: 491 }]],
  ]);
  const r = transformSourceSeries('ecdc', series, 'ffill');
  assert.deepEqual(r.records.map((x) => [x.country, x.date, x.cases]), [
    ['IT', '2020-12-14', 12030],
    ['RU', '2020-12-12', 28585],
    ['RU', '2020-12-13', 28080],
  ]);
});

test('chain: ECDC up to its last date, WHO after it, neither dropping nor doubling the seam (RU)', () => {
  // ECDC's last RU report (dated 2020-12-14 by ECDC) is WHO's 2020-12-13: after the shift both
  // sit on 12-13, and only ECDC's stands; WHO's 12-14 (the next report) follows.
  const ecdc = [rec('ecdc', 'RU', '2020-12-12', 28585), rec('ecdc', 'RU', '2020-12-13', 28080)];
  const who = [rec('who', 'RU', '2020-12-12', 28585), rec('who', 'RU', '2020-12-13', 28080), rec('who', 'RU', '2020-12-14', 27328)];
  const { kept, dropped } = applyCoverage([...ecdc, ...who], coverageContextOf([...ecdc, ...who]));
  assert.deepEqual(kept.map((r) => [r.source, r.date, r.cases]), [
    ['ecdc', '2020-12-12', 28585],
    ['ecdc', '2020-12-13', 28080],
    ['who', '2020-12-14', 27328],
  ]);
  assert.equal(dropped, 2);
  // Each report once: the sum equals the three distinct reports.
  assert.equal(kept.reduce((a, r) => a + r.cases, 0), 28585 + 28080 + 27328);
});

test('chain: with offset 0 the seam is 2020-12-14 / 2020-12-15, with +1 it is 12-15 / 12-16', () => {
  const ctx = { ecdcCountries: new Set(['IT', 'BR']), whoLastReport: new Map<string, string>() };
  assert.deepEqual(coverageRange('ecdc', 'IT', ctx), { from: null, to: '2020-12-14' });
  assert.deepEqual(coverageRange('who', 'IT', ctx), { from: '2020-12-15', to: null });
  assert.deepEqual(coverageRange('who', 'BR', ctx), { from: '2020-12-16', to: null });
});

test('chain: WHO covers every date of a country ECDC never had', () => {
  const ctx = { ecdcCountries: new Set(['RU']), whoLastReport: new Map<string, string>() };
  assert.deepEqual(coverageRange('who', 'TM', ctx), { from: null, to: null });
  const { kept } = applyCoverage([rec('who', 'TM', '2020-10-01'), rec('who', 'RU', '2020-10-01')], ctx);
  assert.deepEqual(kept.map((r) => r.country), ['TM']);
});

test('chain: стопкоронавирус is Russia only, after WHO last reported Russia', () => {
  const ctx = { ecdcCountries: new Set(['RU']), whoLastReport: new Map([['RU', '2025-03-16']]) };
  assert.deepEqual(coverageRange('stopcoronavirus', 'RU', ctx), { from: '2025-03-17', to: null });
  assert.equal(coverageRange('stopcoronavirus', 'UA', ctx), null);
  const records = [
    rec('stopcoronavirus', 'RU', '2025-03-16'),
    rec('stopcoronavirus', 'RU', '2025-03-17'),
    rec('stopcoronavirus', 'UA', '2025-03-17'),
    rec('who', 'RU', '2025-03-16'),
  ];
  const { kept, dropped } = applyCoverage(records, ctx);
  assert.deepEqual(kept.map((r) => [r.source, r.country, r.date]), [
    ['stopcoronavirus', 'RU', '2025-03-17'],
    ['who', 'RU', '2025-03-16'],
  ]);
  assert.equal(dropped, 2);
});

test('chain: without any WHO report for Russia, стопкоронавирус starts after ECDC', () => {
  const ctx = { ecdcCountries: new Set(['RU']), whoLastReport: new Map<string, string>() };
  assert.deepEqual(coverageRange('stopcoronavirus', 'RU', ctx), { from: '2020-12-14', to: null });
  assert.deepEqual(coverageRange('stopcoronavirus', 'RU', { ecdcCountries: new Set(), whoLastReport: new Map() }), { from: null, to: null });
});

test("coverageContextOf (the tests' oracle) takes ECDC countries and the last WHO date per country", () => {
  const ctx = coverageContextOf([rec('ecdc', 'RU', '2020-12-13'), rec('who', 'RU', '2023-06-05'), rec('who', 'RU', '2023-05-29'), rec('who', 'TM', '2021-01-01')]);
  assert.deepEqual([...ctx.ecdcCountries], ['RU']);
  assert.deepEqual([...ctx.whoLastReport].sort(), [['RU', '2023-06-05'], ['TM', '2021-01-01']]);
});

test('deriveEcdcWhoOffsets: running totals decide, then daily values, else 0', () => {
  const pts = (start: string, values: number[]): SeriesPoint[] =>
    values.map((v, i) => ({ date: new Date(Date.parse(start) + i * 86_400_000).toISOString().slice(0, 10), cases: v, deaths: v % 3 }));
  const days = [11, 17, 23, 31, 41, 53, 61, 71, 83, 97];
  // AA: WHO has the same reports one day earlier, and the same total through 2020-12-13.
  // BB: totals never agree (WHO has an extra 1000 long ago), but recent values sit one day later.
  // CC: nothing in common.
  const ecdc = new Map([
    ['AA', pts('2020-12-05', days)],
    ['BB', pts('2020-12-05', days)],
    ['CC', pts('2020-12-05', days)],
  ]);
  const who = new Map([
    ['AA', pts('2020-12-04', [...days, 5])],
    ['BB', [{ date: '2020-03-01', cases: 1000, deaths: 0 }, ...pts('2020-12-06', days)]],
    ['CC', pts('2020-12-05', days.map((d) => d + 1)).map((x) => ({ ...x, deaths: 0 }))],
  ]);
  const ev = deriveEcdcWhoOffsets(ecdc, who);
  assert.deepEqual(ev.get('AA'), { offset: -1, basis: 'running-total' });
  assert.equal(ev.get('BB')!.offset, 1);
  assert.equal(ev.get('BB')!.basis, 'daily-values');
  assert.equal(ev.get('CC')!.offset, 0);
  assert.equal(ev.get('CC')!.basis, 'none');
});

test('coverageContext knows the 213 ECDC countries without reading ECDC', () => {
  const ctx = coverageContext(new Map([['RU', '2025-03-16']]));
  assert.equal(ctx.ecdcCountries.size, 213);
  assert.deepEqual(coverageRange('who', 'RU', ctx), { from: '2020-12-14', to: null });
  assert.deepEqual(coverageRange('who', 'TM', ctx), { from: null, to: null }); // not in ECDC
  assert.deepEqual(coverageRange('stopcoronavirus', 'RU', ctx), { from: '2025-03-17', to: null });
});
