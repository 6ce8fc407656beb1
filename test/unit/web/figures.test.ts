import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DailyRow } from '../../../src/web/api.ts';
import { placeFigures } from '../../../src/web/figures.ts';

const row = (date: string, cases_7d: number | null, cumulative_cases: number): DailyRow => ({
  date,
  cases: 0,
  deaths: 0,
  cases_7d,
  deaths_7d: cases_7d === null ? null : cases_7d / 10,
  cumulative_cases,
  cumulative_deaths: cumulative_cases / 10,
  estimated: false,
});

void describe('a place\'s latest figures, from the served measures', () => {
  void it('reads the latest date, the last 7 days (7 × the mean), the change on the week before and the totals', () => {
    const figures = placeFigures([row('2024-01-01', 100, 700), row('2024-01-05', 110, 1100), row('2024-01-08', 1050 / 7, 2000)])!;
    assert.equal(figures.latestDate, '2024-01-08');
    assert.deepEqual(figures.measures.cases, { lastWeek: 1050, change: 0.5, total: 2000 });
    assert.deepEqual(figures.measures.deaths, { lastWeek: 105, change: 0.5, total: 200 });
  });

  void it('says nothing it does not know: a null mean (a gap in the week) or no week before', () => {
    assert.deepEqual(placeFigures([row('2024-01-08', null, 5)])!.measures.cases, { lastWeek: null, change: null, total: 5 });
    assert.deepEqual(placeFigures([row('2024-01-08', 3, 5)])!.measures.cases, { lastWeek: 21, change: null, total: 5 });
    assert.deepEqual(placeFigures([row('2024-01-01', 0, 0), row('2024-01-08', 3, 5)])!.measures.cases.change, null);
  });

  void it('is null for a place without rows', () => {
    assert.equal(placeFigures([]), null);
  });
});
