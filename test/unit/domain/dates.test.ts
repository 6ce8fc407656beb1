import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  daysBetween,
  fromDayNumber,
  isoFromParts,
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

// The conversions are arithmetic and cached (every row of a load goes through them); they must
// say exactly what the plain Date-based definitions say.
const MS_PER_DAY = 86_400_000;
const referenceIso = (day: number) => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
const referenceDay = (iso: string): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2021-02-30 over to 03-02: a real date is one that comes back unchanged.
  const real = year >= 1000 && back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day;
  return real ? ms / MS_PER_DAY : null;
};

test('day numbers and dates agree with Date: every day of 1900-2200, the year ends and leap days of 1000-9999', () => {
  const check = (day: number) => {
    const iso = referenceIso(day);
    // Twice: the second answer comes from the cache where there is one.
    for (let i = 0; i < 2; i++) {
      if (fromDayNumber(day) !== iso) assert.fail(`fromDayNumber(${day}) = ${fromDayNumber(day)}, expected ${iso}`);
      if (toDayNumber(iso) !== day) assert.fail(`toDayNumber(${iso}) = ${toDayNumber(iso)}, expected ${day}`);
    }
    const weekday = ((new Date(day * MS_PER_DAY).getUTCDay() + 6) % 7) + 1;
    if (isoWeekday(iso) !== weekday) assert.fail(`isoWeekday(${iso}) = ${isoWeekday(iso)}, expected ${weekday}`);
  };
  for (let day = Date.UTC(1900, 0, 1) / MS_PER_DAY; day <= Date.UTC(2200, 11, 31) / MS_PER_DAY; day++) check(day);
  for (let year = 1000; year <= 9999; year++) {
    for (const [month, day] of [[0, 1], [1, 28], [2, 1], [11, 31]] as const) check(Date.UTC(year, month, day) / MS_PER_DAY);
    check(Date.UTC(year, 2, 1) / MS_PER_DAY - 1); // Feb 29 or 28
  }
  const first = Date.UTC(1000, 0, 1) / MS_PER_DAY;
  // Outside the supported years and the cache: Date's own answer.
  assert.equal(fromDayNumber(first - 1), '0999-12-31');
  assert.equal(fromDayNumber(-1), '1969-12-31');
  assert.equal(fromDayNumber(65_536), referenceIso(65_536));
  assert.throws(() => fromDayNumber(1e10), RangeError);
});

test('every day-of-month of edge years is real or not exactly as Date says', () => {
  for (const year of [1000, 1600, 1700, 1900, 1969, 1970, 2000, 2019, 2020, 2021, 2100, 2149, 2150, 2400, 9999]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        const iso = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        const expected = referenceDay(iso);
        assert.equal(parseIsoDate(iso), expected === null ? null : iso, iso);
        if (expected === null) assert.throws(() => toDayNumber(iso), RangeError, iso);
        else assert.equal(toDayNumber(iso), expected, iso);
      }
    }
  }
});

test('anything but a strict YYYY-MM-DD is still rejected', () => {
  const bad = ['0999-12-31', '2020-01-5 ', ' 2020-01-05', '2020-01-05\n', '2020_01_05', '2020-01-0a', '+020-01-05', '2020-1-015', '２０２０-01-05', '2020-01-05x', '2020-W01-1'];
  for (const text of bad) {
    assert.equal(parseIsoDate(text), null, JSON.stringify(text));
    assert.throws(() => toDayNumber(text), RangeError, JSON.stringify(text));
  }
});

test('utcToday: the cached date is the one toISOString gives, an invalid Date still throws', () => {
  for (const at of ['1970-01-01T00:00:00Z', '2020-02-29T23:59:59.999Z', '2149-12-31T12:00:00Z', '2150-01-01T00:00:00Z', '1969-12-31T23:59:59Z']) {
    assert.equal(utcToday(new Date(at)), new Date(at).toISOString().slice(0, 10), at);
  }
  assert.throws(() => utcToday(new Date(NaN)), RangeError);
});

test('isoFromParts makes the zero-padded date, or null for a date that does not exist', () => {
  assert.equal(isoFromParts(2020, 3, 1), '2020-03-01');
  assert.equal(isoFromParts(1000, 1, 1), '1000-01-01');
  assert.equal(isoFromParts(2021, 2, 29), null);
  assert.equal(isoFromParts(2020, 1.5, 1), null);
  assert.equal(isoFromParts(NaN, 1, 1), null);
});
