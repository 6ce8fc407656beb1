import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDailyRecordSchema, recordKey } from '../../../src/domain/record.ts';

const schema = makeDailyRecordSchema(() => new Date('2025-06-01T12:00:00Z'));
const good = { country: 'RU', date: '2023-05-22', cases: 2446, deaths: 27, source: 'who', estimated: true, estimated_cases: true, estimated_deaths: false };

test('a valid record passes, negative counts included', () => {
  assert.deepEqual(schema.parse(good), good);
  assert.ok(schema.safeParse({ ...good, cases: -8261, deaths: -31 }).success);
  assert.ok(schema.safeParse({ ...good, country: 'XK' }).success);
  assert.ok(schema.safeParse({ ...good, date: '2019-12-01' }).success);
  assert.ok(schema.safeParse({ ...good, date: '2025-06-01' }).success);
  assert.deepEqual(schema.parse({ ...good, region: 'EUR' }), { ...good, region: 'EUR' });
  assert.ok(schema.safeParse({ ...good, region: 'OTHER' }).success);
});

test('the schema rejects what the contract forbids', () => {
  const bad: [string, unknown][] = [
    ['extra key', { ...good, note: 'x' }],
    ['missing key', { country: 'RU', date: '2023-05-22', cases: 1, deaths: 0, source: 'who' }],
    ['lower-case country', { ...good, country: 'ru' }],
    ['unknown country', { ...good, country: 'ZZ' }],
    ['alias not resolved', { ...good, country: 'UK' }],
    ['three letters', { ...good, country: 'RUS' }],
    ['impossible date', { ...good, date: '2021-02-30' }],
    ['not ISO', { ...good, date: '22/05/2023' }],
    ['before 2019-12-01', { ...good, date: '2019-11-30' }],
    ['after today', { ...good, date: '2025-06-02' }],
    ['fraction', { ...good, cases: 1.5 }],
    ['string count', { ...good, deaths: '3' }],
    ['unsafe integer', { ...good, cases: 2 ** 53 }],
    ['unknown source', { ...good, source: 'jhu' }],
    ['estimated not boolean', { ...good, estimated: 'true' }],
    ['estimated_cases not boolean', { ...good, estimated_cases: 1 }],
    ['estimated without an estimated count', { ...good, estimated_cases: false }],
    ['an estimated count without estimated', { ...good, estimated: false }],
    ['one per-count flag without the other', { ...good, estimated_deaths: undefined }],
    ['old region code (the reader turns it into the new one)', { ...good, region: 'EURO' }],
    ['unknown region', { ...good, region: 'MARS' }],
    ['empty region (absent means none carried)', { ...good, region: '' }],
  ];
  for (const [why, value] of bad) assert.equal(schema.safeParse(value).success, false, why);
});

test('a record older than the per-count flags reads as both counts estimated (what `estimated` claimed)', () => {
  const { estimated_cases: _c, estimated_deaths: _d, ...legacy } = good;
  assert.deepEqual(schema.parse(legacy), { ...legacy, estimated_cases: true, estimated_deaths: true });
  assert.deepEqual(schema.parse({ ...legacy, estimated: false }), { ...legacy, estimated: false, estimated_cases: false, estimated_deaths: false });
});

test('recordKey is country:date', () => {
  assert.equal(recordKey(good), 'RU:2023-05-22');
});
