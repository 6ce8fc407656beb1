import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DailyRow } from '../../../src/web/api.ts';
import { alignSeries, plotColumns } from '../../../src/web/series.ts';

const row = (date: string, cases: number, extra: Partial<DailyRow> = {}): DailyRow => ({
  date,
  cases,
  deaths: 0,
  cases_7d: cases,
  deaths_7d: 0,
  cumulative_cases: 0,
  cumulative_deaths: 0,
  estimated: false,
  ...extra,
});

void describe('series on one calendar', () => {
  void it('puts every place on every calendar day, with null for a day without a row', () => {
    const aligned = alignSeries(
      new Map([
        ['RU', [row('2024-01-02', 1), row('2024-01-05', 4)]],
        ['DE', [row('2024-01-01', 7), row('2024-01-03', 9)]],
      ]),
    );
    assert.deepEqual(aligned.dates, ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']);
    assert.deepEqual(aligned.rows.get('RU')!.map((r) => r?.cases ?? null), [null, 1, null, null, 4]);
    assert.deepEqual(aligned.rows.get('DE')!.map((r) => r?.cases ?? null), [7, null, 9, null, null]);
  });

  void it('crosses month, year and leap days', () => {
    const aligned = alignSeries(new Map([['RU', [row('2023-12-31', 1), row('2024-03-01', 2)]]]));
    assert.equal(aligned.dates.length, 62);
    assert.ok(aligned.dates.includes('2024-02-29'));
  });

  void it('keeps gaps as null in every drawn column, and marks estimated days', () => {
    const rows = [row('2024-01-01', 5, { estimated: true }), null, row('2024-01-03', 0, { cases_7d: null }), row('2024-01-04', -2)];
    assert.deepEqual(plotColumns(rows, 'cases', 'linear'), {
      daily: [5, null, 0, -2],
      mean: [5, null, null, -2],
      estimated: [5, null, null, null],
    });
  });

  void it('leaves 0 and negative values off a log scale', () => {
    const rows = [row('2024-01-01', 5), row('2024-01-02', 0), row('2024-01-03', -2)];
    assert.deepEqual(plotColumns(rows, 'cases', 'log').daily, [5, null, null]);
  });

  void it('is empty for no rows', () => {
    assert.deepEqual(alignSeries(new Map([['RU', []]])).dates, []);
  });
});
