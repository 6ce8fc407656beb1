import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldCoverage } from '../../../src/api/repositories/country-coverage.ts';

test('per-source ranges fold into one coverage per country, with the days inside its span that have no row', () => {
  const coverage = foldCoverage([
    { country: 'DE', source: 'who', firstDate: '2021-03-01', lastDate: '2021-03-04', days: 4 },
    { country: 'RU', source: 'stopcoronavirus', firstDate: '2024-01-01', lastDate: '2024-01-14', days: 7 },
    { country: 'RU', source: 'ecdc', firstDate: '2020-12-01', lastDate: '2020-12-13', days: 13 },
    { country: 'RU', source: 'who', firstDate: '2020-12-14', lastDate: '2023-12-31', days: 1_000, region: 'EUR' },
  ]);
  assert.deepEqual(coverage[0], {
    country: 'DE',
    firstDate: '2021-03-01',
    lastDate: '2021-03-04',
    days: 4,
    missingDays: 0,
    sources: ['who'],
    ranges: [{ source: 'who', firstDate: '2021-03-01', lastDate: '2021-03-04', days: 4 }],
    region: '',
  });
  const ru = coverage[1]!;
  assert.equal(ru.firstDate, '2020-12-01');
  assert.equal(ru.lastDate, '2024-01-14');
  assert.equal(ru.days, 1_020);
  // 2020-12-01 .. 2024-01-14 holds 1,140 days.
  assert.equal(ru.missingDays, 1_140 - 1_020);
  assert.deepEqual(ru.sources, ['ecdc', 'stopcoronavirus', 'who']);
  assert.deepEqual(ru.ranges.map((r) => r.source), ['ecdc', 'who', 'stopcoronavirus']);
  assert.equal(ru.region, 'EUR', 'the region of the latest range that carries one');
});
