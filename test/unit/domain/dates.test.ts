import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  daysBetween,
  fromDayNumber,
  isoWeekday,
  parseDmy,
  parseIsoDate,
  parseMdy,
  toDayNumber,
  utcToday,
} from '../../../src/domain/dates.ts';

test('parseIsoDate accepts real zero-padded dates only', () => {
  assert.equal(parseIsoDate('2020-12-14'), '2020-12-14');
  assert.equal(parseIsoDate('2024-02-29'), '2024-02-29');
  for (const bad of ['2021-02-30', '2023-02-29', '2020-13-01', '2020-00-10', '2020-1-05', '20-01-05', '2020-01-05 ', '2020/01/05', '']) {
    assert.equal(parseIsoDate(bad), null, bad);
  }
});

test('parseDmy reads ECDC dd/mm/yyyy, parseMdy the Excel m/d/yyyy', () => {
  assert.equal(parseDmy('06/12/2020'), '2020-12-06');
  assert.equal(parseDmy('31/12/2019'), '2019-12-31');
  assert.equal(parseMdy('12/14/2020'), '2020-12-14');
  assert.equal(parseMdy('3/1/2020'), '2020-03-01');
  assert.equal(parseDmy('12/14/2020'), null); // month 14
  assert.equal(parseMdy('31/12/2019'), null);
  assert.equal(parseDmy('30/02/2021'), null);
  assert.equal(parseDmy('2020-12-06'), null);
});

test('day numbers are UTC days since 1970-01-01 and round-trip', () => {
  assert.equal(toDayNumber('1970-01-01'), 0);
  assert.equal(toDayNumber('1970-01-02'), 1);
  assert.equal(fromDayNumber(toDayNumber('2020-02-29')), '2020-02-29');
  assert.throws(() => toDayNumber('2021-02-30'), RangeError);
});

test('day arithmetic crosses months, years and DST changes', () => {
  assert.equal(addDays('2020-12-31', 1), '2021-01-01');
  assert.equal(addDays('2020-03-01', -1), '2020-02-29');
  assert.equal(addDays('2023-03-25', 2), '2023-03-27'); // DST in Europe, irrelevant in UTC
  assert.equal(daysBetween('2023-10-23', '2023-10-29'), 6);
  assert.equal(daysBetween('2024-01-01', '2023-12-31'), -1);
});

test('isoWeekday: Monday is 1, Sunday is 7', () => {
  assert.equal(isoWeekday('2023-10-23'), 1);
  assert.equal(isoWeekday('2023-10-29'), 7);
  assert.equal(isoWeekday('2020-12-14'), 1);
});

test('utcToday takes the UTC date of the clock', () => {
  assert.equal(utcToday(new Date('2024-01-01T23:30:00-05:00')), '2024-01-02');
});
