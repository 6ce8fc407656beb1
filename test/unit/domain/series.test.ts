// Rules 3, 4 and 5 on hand-made series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSeries } from '../../../src/domain/transform/series.ts';
import type { FillPolicy, SeriesPoint } from '../../../src/domain/transform/types.ts';
import { addDays } from '../../../src/domain/dates.ts';

const run = (points: SeriesPoint[], fill: FillPolicy = 'ffill') => transformSeries({ country: 'RU', source: 'who', points, fill });
const p = (date: string, cases: number | null, deaths: number | null): SeriesPoint => ({ date, cases, deaths });
const rows = (r: ReturnType<typeof run>) => r.records.map((x) => [x.date, x.cases, x.deaths, x.estimated]);

test('a daily series passes through unchanged and not estimated', () => {
  const r = run([p('2020-03-01', 5, 0), p('2020-03-02', 7, 1), p('2020-03-03', -2, 0)]);
  assert.deepEqual(rows(r), [
    ['2020-03-01', 5, 0, false],
    ['2020-03-02', 7, 1, false],
    ['2020-03-03', -2, 0, false],
  ]);
  assert.deepEqual(r.counts, { spread: 0, filled: 0 });
  assert.ok(r.records.every((x) => x.country === 'RU' && x.source === 'who'));
});

test('rule 3: a report a week after the previous one, with 6 days without a row, is spread (remainder first)', () => {
  const r = run([p('2023-05-15', 2379, 26), p('2023-05-22', 17118, 183)]);
  assert.deepEqual(rows(r), [
    ['2023-05-15', 2379, 26, false],
    ['2023-05-16', 2446, 27, true],
    ['2023-05-17', 2446, 26, true],
    ['2023-05-18', 2446, 26, true],
    ['2023-05-19', 2445, 26, true],
    ['2023-05-20', 2445, 26, true],
    ['2023-05-21', 2445, 26, true],
    ['2023-05-22', 2445, 26, true],
  ]);
  assert.deepEqual(r.counts, { spread: 7, filled: 0 });
});

test('rule 3: quiet days written as 0 (older WHO) or left empty (current WHO) are the same', () => {
  const zeros = [p('2023-05-15', 2379, 26)];
  const empties = [p('2023-05-15', 2379, 26)];
  for (let d = 16; d <= 21; d++) {
    zeros.push(p(`2023-05-${d}`, 0, 0));
    empties.push(p(`2023-05-${d}`, null, null));
  }
  zeros.push(p('2023-05-22', 17118, 183));
  empties.push(p('2023-05-22', 17118, 183));
  const withoutRows = run([p('2023-05-15', 2379, 26), p('2023-05-22', 17118, 183)]);
  assert.deepEqual(rows(run(zeros)), rows(withoutRows));
  assert.deepEqual(rows(run(empties)), rows(withoutRows));
});

test('rule 3: a negative weekly total keeps its sign and its total', () => {
  const r = run([p('2021-01-01', 5, 1), p('2021-01-08', -10, -3)]);
  assert.deepEqual(
    r.records.slice(1).map((x) => [x.cases, x.deaths]),
    [[-2, -1], [-2, -1], [-2, -1], [-1, 0], [-1, 0], [-1, 0], [-1, 0]],
  );
});

test('rule 3: consecutive weekly reports each cover their own 7 days', () => {
  const r = run([p('2023-05-15', 1, 0), p('2023-05-22', 70, 7), p('2023-05-29', 14, 0)]);
  assert.equal(r.records.length, 15);
  assert.equal(r.counts.spread, 14);
  assert.deepEqual(r.records.slice(1, 8).map((x) => x.cases), [10, 10, 10, 10, 10, 10, 10]);
  assert.deepEqual(r.records.slice(8).map((x) => x.cases), [2, 2, 2, 2, 2, 2, 2]);
});

test('rule 3 does not apply when the 7th preceding day is quiet too (gap longer than a week)', () => {
  const r = run([p('2021-01-01', 5, 1), p('2021-01-09', 16, 8)], 'zero');
  assert.equal(r.records.length, 9);
  assert.deepEqual(r.records.at(-1)!.cases, 16); // stays on its day
  assert.equal(r.records.at(-1)!.estimated, false);
  assert.deepEqual(r.counts, { spread: 0, filled: 7 });
});

test('rule 3 does not apply when fewer than 6 quiet days precede the report', () => {
  const r = run([p('2021-01-01', 5, 1), p('2021-01-07', 12, 6)], 'zero');
  assert.deepEqual(r.records.map((x) => x.cases), [5, 0, 0, 0, 0, 0, 12]);
  assert.deepEqual(r.counts, { spread: 0, filled: 5 });
});

test('rule 4 ffill: a day without a row takes the last value of each count', () => {
  const r = run([p('2020-04-01', 10, 2), p('2020-04-02', 12, 3), p('2020-04-05', 20, 4)], 'ffill');
  assert.deepEqual(rows(r), [
    ['2020-04-01', 10, 2, false],
    ['2020-04-02', 12, 3, false],
    ['2020-04-03', 12, 3, true],
    ['2020-04-04', 12, 3, true],
    ['2020-04-05', 20, 4, false],
  ]);
  assert.deepEqual(r.counts, { spread: 0, filled: 2 });
});

test('rule 4 zero: a day without a row takes 0', () => {
  const r = run([p('2020-04-01', 10, 2), p('2020-04-02', 12, 3), p('2020-04-05', 20, 4)], 'zero');
  assert.deepEqual(r.records.map((x) => [x.cases, x.deaths, x.estimated]), [
    [10, 2, false],
    [12, 3, false],
    [0, 0, true],
    [0, 0, true],
    [20, 4, false],
  ]);
});

test('rule 4 works per count: an empty cell is filled, the other count of the day is kept', () => {
  const pts = [p('2020-04-01', 10, 2), p('2020-04-02', 11, null), p('2020-04-03', null, 5)];
  assert.deepEqual(rows(run(pts, 'ffill')), [
    ['2020-04-01', 10, 2, false],
    ['2020-04-02', 11, 2, true],
    ['2020-04-03', 11, 5, true],
  ]);
  assert.deepEqual(rows(run(pts, 'zero')), [
    ['2020-04-01', 10, 2, false],
    ['2020-04-02', 11, 0, true],
    ['2020-04-03', 0, 5, true],
  ]);
});

test('rule 4: a reported 0 is a value, not a missing one', () => {
  const r = run([p('2020-04-01', 10, 2), p('2020-04-02', 0, 0), p('2020-04-03', 0, 4)], 'ffill');
  assert.deepEqual(rows(r), [
    ['2020-04-01', 10, 2, false],
    ['2020-04-02', 0, 0, false],
    ['2020-04-03', 0, 4, false],
  ]);
  assert.deepEqual(r.counts, { spread: 0, filled: 0 });
});

test('rule 4 ffill carries the last daily value, never a weekly total', () => {
  // A week spread to 10/day, then a day with an empty deaths cell, then a gap.
  const r = run([p('2023-05-15', 1, 1), p('2023-05-22', 70, 14), p('2023-05-23', 9, null), p('2023-05-25', 8, 1)], 'ffill');
  const byDate = new Map(r.records.map((x) => [x.date, x]));
  assert.equal(byDate.get('2023-05-23')!.deaths, 2); // last spread daily value, not 14
  assert.equal(byDate.get('2023-05-24')!.cases, 9);
  assert.equal(byDate.get('2023-05-24')!.deaths, 2);
});

test('rule 4: a weekly report with an empty count gets that count filled on its 7 days', () => {
  const r = run([p('2024-02-04', 700, 7), p('2024-02-11', 28257, null)], 'ffill');
  const week = r.records.slice(1);
  assert.equal(week.length, 7);
  assert.equal(week.reduce((a, x) => a + x.cases, 0), 28257);
  assert.deepEqual(week.map((x) => x.deaths), [7, 7, 7, 7, 7, 7, 7]);
  assert.ok(week.every((x) => x.estimated));
  assert.deepEqual(r.counts, { spread: 7, filled: 0 });
  assert.deepEqual(run([p('2024-02-04', 700, 7), p('2024-02-11', 28257, null)], 'zero').records.slice(1).map((x) => x.deaths), [0, 0, 0, 0, 0, 0, 0]);
});

test('rule 4 ffill with nothing before it gives 0', () => {
  const r = run([p('2020-04-01', 3, null)], 'ffill');
  assert.deepEqual(rows(r), [['2020-04-01', 3, 0, true]]);
});

test('rule 5: no rows before the first report or after the last, zeros or empties alike', () => {
  const r = run([
    p('2020-01-03', 0, 0),
    p('2020-01-04', null, null),
    p('2020-01-05', 2, 0),
    p('2020-01-06', 1, 0),
    p('2020-01-07', 0, 0),
    p('2020-01-08', null, null),
  ]);
  assert.deepEqual(r.records.map((x) => x.date), ['2020-01-05', '2020-01-06']);
});

test('rule 5: a series without any report gives no rows', () => {
  assert.deepEqual(run([p('2020-01-03', 0, 0), p('2020-01-04', null, null)]).records, []);
  assert.deepEqual(run([]).records, []);
});

test('order of the input does not matter', () => {
  const pts = [p('2023-05-15', 2379, 26), p('2023-05-22', 17118, 183), p('2023-05-10', 2344, 28), p('2023-05-12', 3111, 28)];
  assert.deepEqual(run([...pts].reverse()), run(pts));
});

test('two rows for one day are refused', () => {
  assert.throws(() => run([p('2020-01-05', 1, 0), p('2020-01-05', 2, 0)]), /duplicate row for RU on 2020-01-05/);
});

test('with zero fill, totals are kept exactly on any series', () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 200; round++) {
    const pts: SeriesPoint[] = [];
    for (let day = 0; day < 60; day++) {
      if (rand() < 0.4) continue; // no row
      const value = () => (rand() < 0.3 ? null : rand() < 0.4 ? 0 : Math.floor(rand() * 2000) - 100);
      pts.push(p(new Date(Date.UTC(2021, 0, 1 + day)).toISOString().slice(0, 10), value(), value()));
    }
    const r = run(pts, 'zero');
    const sum = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
    assert.equal(sum(r.records.map((x) => x.cases)), sum(pts.map((x) => x.cases)), `round ${round} cases`);
    assert.equal(sum(r.records.map((x) => x.deaths)), sum(pts.map((x) => x.deaths)), `round ${round} deaths`);
    const dates = r.records.map((x) => x.date);
    assert.deepEqual(dates, [...new Set(dates)].sort(), `round ${round}: one record per day, in order`);
  }
});

test('from/to: no records outside, and a weekly report starting before `from` is spread over the covered days', () => {
  const pts = [p('2020-12-09', 17, 0), p('2020-12-16', 62, 0), p('2020-12-17', 4, 1)];
  const r = transformSeries({ country: 'BJ', source: 'who', points: pts, fill: 'zero', from: '2020-12-15' });
  assert.deepEqual(rows(r), [
    ['2020-12-15', 31, 0, true],
    ['2020-12-16', 31, 0, true],
    ['2020-12-17', 4, 1, false],
  ]);
  assert.deepEqual(r.counts, { spread: 2, filled: 0 });
  const upTo = transformSeries({ country: 'BJ', source: 'who', points: pts, fill: 'zero', to: '2020-12-12' });
  assert.deepEqual(upTo.records.map((x) => x.date), ['2020-12-09', '2020-12-10', '2020-12-11', '2020-12-12']);
});

test('from: ffill after the seam still carries the value from before it', () => {
  const r = transformSeries({ country: 'RU', source: 'who', points: [p('2020-12-14', 9, 2), p('2020-12-16', 7, 1)], fill: 'ffill', from: '2020-12-15' });
  assert.deepEqual(rows(r), [
    ['2020-12-15', 9, 2, true],
    ['2020-12-16', 7, 1, false],
  ]);
});

test('rule 3: a weekly reporter that missed a week: the report is spread, the missed week is missing values', () => {
  // Reports on 05-01, 05-08, then nothing (no rows) until 05-22: the week 05-09..05-15 was missed.
  const pts = [p('2023-05-01', 1, 0), p('2023-05-08', 70, 7), p('2023-05-22', 140, 14)];
  const ffill = run(pts, 'ffill');
  const byDate = new Map(ffill.records.map((x) => [x.date, x]));
  const week = (from: string) => Array.from({ length: 7 }, (_, i) => byDate.get(addDays(from, i))!);
  assert.deepEqual(week('2023-05-02').map((x) => [x.cases, x.deaths]), Array(7).fill([10, 1]));
  assert.deepEqual(week('2023-05-09').map((x) => [x.cases, x.deaths, x.estimated]), Array(7).fill([10, 1, true])); // ffill of the last daily value
  assert.deepEqual(week('2023-05-16').map((x) => [x.cases, x.deaths, x.estimated]), Array(7).fill([20, 2, true]));
  assert.deepEqual(ffill.counts, { spread: 14, filled: 7 });
  const zero = run(pts, 'zero');
  assert.deepEqual(zero.records.slice(8, 15).map((x) => [x.cases, x.deaths, x.estimated]), Array(7).fill([0, 0, true]));
  assert.equal(zero.records.reduce((a, x) => a + x.cases, 0), 211);
});

test('rule 3: a missed week written as 0s (older WHO) is missing values as well, not reported zeros', () => {
  const withRows = [p('2023-05-01', 1, 0), p('2023-05-08', 70, 7), p('2023-05-22', 140, 14)];
  const withoutRows = [...withRows];
  for (let d = 9; d <= 21; d++) withRows.push(p(`2023-05-${String(d).padStart(2, '0')}`, 0, 0));
  assert.deepEqual(run(withRows, 'ffill'), run(withoutRows, 'ffill'));
});

test('rule 3: a monthly (4-weekly) reporter from its third report on is spread, 3 missed weeks between', () => {
  const r = run([p('2024-01-07', 7, 0), p('2024-02-04', 14, 7), p('2024-03-03', 28, 14)], 'zero');
  const spread = r.records.filter((x) => x.estimated && x.cases !== 0);
  assert.deepEqual(spread.map((x) => x.date), Array.from({ length: 7 }, (_, i) => addDays('2024-02-26', i)));
  assert.deepEqual(spread.map((x) => [x.cases, x.deaths]), Array(7).fill([4, 2]));
  // The 02-04 report stays on its day: its predecessor does not show a cadence.
  assert.deepEqual(r.records.find((x) => x.date === '2024-02-04'), { country: 'RU', date: '2024-02-04', cases: 14, deaths: 7, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false });
  assert.deepEqual(r.counts, { spread: 7, filled: 27 + 21 });
});

test('rule 3: sporadic reports of a daily series are not weekly, even 14 days apart', () => {
  const pts = [p('2021-03-01', 5, 1), p('2021-03-02', 6, 0), p('2021-03-16', 30, 2)];
  const r = run(pts, 'zero');
  assert.deepEqual(r.records.at(-1), { country: 'RU', date: '2021-03-16', cases: 30, deaths: 2, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false });
  assert.deepEqual(r.counts, { spread: 0, filled: 13 });
  // The same with the quiet days written as 0: reported zeros, not missing values.
  const zeros = [...pts];
  for (let d = 3; d <= 15; d++) zeros.push(p(`2021-03-${String(d).padStart(2, '0')}`, 0, 0));
  assert.deepEqual(run(zeros, 'ffill').counts, { spread: 0, filled: 0 });
});

test('each record says which count was estimated: only the filled one, both on a spread week', () => {
  const flags = (r: ReturnType<typeof run>) => r.records.map((x) => [x.date, x.estimated_cases, x.estimated_deaths, x.estimated]);
  const pts = [p('2020-04-01', 10, 2), p('2020-04-02', 11, null), p('2020-04-03', null, 5), p('2020-04-05', 4, 4)];
  assert.deepEqual(flags(run(pts)), [
    ['2020-04-01', false, false, false],
    ['2020-04-02', false, true, true],
    ['2020-04-03', true, false, true],
    ['2020-04-04', true, true, true],
    ['2020-04-05', false, false, false],
  ]);
  const week = run([p('2024-02-04', 700, 7), p('2024-02-11', 28257, null)]).records.slice(1);
  assert.ok(week.every((x) => x.estimated_cases && x.estimated_deaths && x.estimated));
});
