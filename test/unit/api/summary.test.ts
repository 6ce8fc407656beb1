import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slope, summarize } from '../../../src/api/services/summary.ts';

const series = (dates: string[], cases: number[], deaths: number[]) => ({
  country: 'RU',
  dates,
  cases,
  deaths,
  estimated: dates.map(() => false),
  sources: dates.map(() => 'who'),
});

void describe('summary', () => {
  void it('slope of a line is its gradient; of one point, null', () => {
    assert.equal(slope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
    assert.equal(slope([5], [1]), null);
    assert.equal(slope([], []), null);
  });

  void it('extremes take the earliest date; trends use calendar days, not positions', () => {
    const s = summarize(series(['2021-01-01', '2021-01-02', '2021-01-04'], [5, 9, 9], [1, 0, 0]));
    assert.deepEqual(s.max_cases, { time: '2021-01-02', value: 9 });
    assert.deepEqual(s.min_deaths, { time: '2021-01-02', value: 0 });
    assert.deepEqual(s.mean, { cases: 23 / 3, deaths: 1 / 3 });
    // Points (0,5), (1,9), (3,9): slope = Sxy/Sxx with mean x 4/3, mean y 23/3.
    const expected = ((0 - 4 / 3) * (5 - 23 / 3) + (1 - 4 / 3) * (9 - 23 / 3) + (3 - 4 / 3) * (9 - 23 / 3)) / ((4 / 3) ** 2 + (1 / 3) ** 2 + (5 / 3) ** 2);
    assert.ok(Math.abs(s.trends.cases.last_6_months! - expected) < 1e-12);
  });

  void it('a window counts back from the latest date, the latest date included', () => {
    // 2021-01-01 is 181 days before 2021-07-01: outside the 180-day window, inside the year.
    const s = summarize(series(['2021-01-01', '2021-06-30', '2021-07-01'], [100, 0, 1], [0, 0, 0]));
    assert.equal(s.trends.cases.last_6_months, 1);
    assert.notEqual(s.trends.cases.last_year, 1);
    const single = summarize(series(['2021-01-01', '2023-01-01'], [1, 2], [0, 0]));
    assert.equal(single.trends.cases.last_2_years, null, 'the earlier point is 730 days back: outside');
  });
});
