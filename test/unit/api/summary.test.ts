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

  void it('a window holds the dates from latest - N to latest, both included', () => {
    // 2021-01-02 is 180 days before 2021-07-01: the window's first day, so it counts; the day
    // before it does not. Without the first day the slope would be 1 (the last two points).
    const s = summarize(series(['2021-01-01', '2021-01-02', '2021-06-30', '2021-07-01'], [500, 100, 0, 1], [0, 0, 0, 0]));
    const points = [[0, 100], [179, 0], [180, 1]] as const;
    const mx = (0 + 179 + 180) / 3;
    const my = 101 / 3;
    const expected = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    assert.ok(Math.abs(s.trends.cases.last_6_months! - expected) < 1e-12, `${s.trends.cases.last_6_months} vs ${expected}`);
    assert.notEqual(s.trends.cases.last_6_months, 1);
    // 2021-01-01 is 181 days back: outside the 180-day window, inside the year's.
    assert.notEqual(s.trends.cases.last_year, s.trends.cases.last_6_months);
    // Two points exactly 730 days apart: both in the 2-year window, out of the 1-year one.
    const edge = summarize(series(['2021-01-01', '2023-01-01'], [1, 731], [0, 0]));
    assert.equal(edge.trends.cases.last_2_years, 1);
    assert.equal(edge.trends.cases.last_year, null);
  });
});
