// Rule 3's detection on day numbers alone: which reports are weekly totals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findWeeklyReports } from '../../../src/domain/transform/weekly-reports.ts';

const days = (reportDays: number[]) => findWeeklyReports(reportDays).map((w) => w.day);

test('a report exactly 7 days after the previous one is weekly, whatever came before', () => {
  assert.deepEqual(days([0, 1, 2, 9]), [9]);
  assert.deepEqual(days([0, 7, 14]), [7, 14]);
  assert.deepEqual(findWeeklyReports([3, 10]), [{ day: 10, previous: 3 }]);
});

test('the first report is never weekly: nothing tells its cadence', () => {
  assert.deepEqual(days([5]), []);
  assert.deepEqual(days([]), []);
});

test('a weekly reporter that missed weeks: 14..56 days after a report that came whole weeks after its own predecessor', () => {
  assert.deepEqual(days([0, 7, 21]), [7, 21]);
  assert.deepEqual(days([0, 14, 28]), [28]); // the 14 has no predecessor to show its cadence
  assert.deepEqual(days([0, 28, 56, 84]), [56, 84]); // a monthly (4-weekly) reporter
  assert.deepEqual(days([0, 56, 112]), [112]); // 8 weeks is the longest gap
  assert.deepEqual(findWeeklyReports([0, 7, 35]).at(-1), { day: 35, previous: 7 });
});

test('sporadic reports of a daily series are not weekly', () => {
  assert.deepEqual(days([0, 1, 2, 16]), []); // 14 days after a report that came 1 day after its predecessor
  assert.deepEqual(days([0, 3, 17]), []); // 3 days is not a whole number of weeks
  assert.deepEqual(days([0, 1, 2, 3, 31, 32, 46]), []);
});

test('gaps that are not whole weeks, or longer than 8 weeks, are not weekly', () => {
  assert.deepEqual(days([0, 7, 22]), [7]); // 15 days
  assert.deepEqual(days([0, 7, 20]), [7]); // 13 days
  assert.deepEqual(days([0, 7, 70]), [7]); // 63 days
  assert.deepEqual(days([0, 63, 77]), []); // previous gap of 63 days is too long to show a cadence
  assert.deepEqual(days([0, 6, 20]), []); // previous gap of 6 days
});
