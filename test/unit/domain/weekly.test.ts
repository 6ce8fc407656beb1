// Rule 6: a стопкоронавирус week → 7 daily records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spreadWeek } from '../../../src/domain/transform/weekly.ts';
import { transformWeeks } from '../../../src/domain/transform/source.ts';

test('a Monday..Sunday week is spread over its 7 days, totals kept, all estimated', () => {
  // Week 43/2023 as published: 25 983 cases, 61 deaths.
  const records = spreadWeek({ country: 'RU', weekStart: '2023-10-23', weekEnd: '2023-10-29', cases: 25983, deaths: 61 });
  assert.deepEqual(
    records.map((r) => [r.date, r.cases, r.deaths]),
    [
      ['2023-10-23', 3712, 9],
      ['2023-10-24', 3712, 9],
      ['2023-10-25', 3712, 9],
      ['2023-10-26', 3712, 9],
      ['2023-10-27', 3712, 9],
      ['2023-10-28', 3712, 8],
      ['2023-10-29', 3711, 8],
    ],
  );
  assert.ok(records.every((r) => r.estimated && r.source === 'stopcoronavirus' && r.country === 'RU'));
});

test('a week across the new year', () => {
  const records = spreadWeek({ country: 'RU', weekStart: '2024-12-30', weekEnd: '2025-01-05', cases: 7, deaths: 0 });
  assert.deepEqual(records.map((r) => r.date), ['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04', '2025-01-05']);
});

test('a range that is not 7 days is refused', () => {
  assert.throws(() => spreadWeek({ country: 'RU', weekStart: '2023-10-23', weekEnd: '2023-10-30', cases: 1, deaths: 1 }), /spans 8/);
});

test('a week that begins before its source stands is spread over the days it covers, total kept', () => {
  const records = spreadWeek({ country: 'RU', weekStart: '2023-06-05', weekEnd: '2023-06-11', cases: 13, deaths: 6 }, 'stopcoronavirus', '2023-06-06');
  assert.deepEqual(records.map((r) => [r.date, r.cases, r.deaths]), [
    ['2023-06-06', 3, 1],
    ['2023-06-07', 2, 1],
    ['2023-06-08', 2, 1],
    ['2023-06-09', 2, 1],
    ['2023-06-10', 2, 1],
    ['2023-06-11', 2, 1],
  ]);
  assert.deepEqual(spreadWeek({ country: 'RU', weekStart: '2023-06-05', weekEnd: '2023-06-11', cases: 13, deaths: 6 }, 'stopcoronavirus', '2023-06-12'), []);
});

test('transformWeeks with a coverage context keeps only Russia after WHO', () => {
  const ctx = { ecdcCountries: new Set(['RU']), whoLastReport: new Map([['RU', '2025-03-16']]) };
  const r = transformWeeks(
    [
      { country: 'RU', weekStart: '2025-03-10', weekEnd: '2025-03-16', cases: 70, deaths: 7 },
      { country: 'RU', weekStart: '2025-03-17', weekEnd: '2025-03-23', cases: 70, deaths: 7 },
    ],
    ctx,
  );
  assert.deepEqual(r.records.map((x) => x.date), ['2025-03-17', '2025-03-18', '2025-03-19', '2025-03-20', '2025-03-21', '2025-03-22', '2025-03-23']);
});

test('transformWeeks counts every record as spread', () => {
  const r = transformWeeks([
    { country: 'RU', weekStart: '2023-11-06', weekEnd: '2023-11-12', cases: 41386, deaths: 76 },
    { country: 'RU', weekStart: '2023-11-13', weekEnd: '2023-11-19', cases: 58150, deaths: 93 },
  ]);
  assert.equal(r.records.length, 14);
  assert.deepEqual(r.counts, { spread: 14, filled: 0 });
  assert.equal(r.records.slice(7).reduce((a, x) => a + x.cases, 0), 58150);
});
