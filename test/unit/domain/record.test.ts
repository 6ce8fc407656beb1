import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';
import { checkRecord, isPlainValidRecord, makeDailyRecordSchema, recordJson, recordKey, SOURCE_NAMES, type DailyRecord } from '../../../src/domain/record.ts';
import { RECORD_REGIONS } from '../../../src/domain/regions.ts';

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

// The pipeline's plain check must never pass what the schema refuses, must pass the records the
// pipeline makes, and its JSON must be the schema output's JSON.
const TODAY = '2025-06-01';
const valueVariants: Record<string, unknown[]> = {
  country: ['RU', 'XK', 'GB', 'ru', 'UK', 'ZZ', 'RUS', '', 'R', 7, null, undefined],
  date: ['2023-05-22', '2019-12-01', TODAY, '2025-06-02', '2019-11-30', '2021-02-30', '2021-02-28', '22/05/2023', '2023-5-22', '', 20230522, undefined],
  cases: [0, 1, -8261, 2446, 1.5, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, NaN, Infinity, '3', null, undefined],
  deaths: [0, 27, -31, 0.5, '0', null, undefined],
  source: ['who', 'ecdc', 'stopcoronavirus', 'jhu', '', undefined],
  estimated: [true, false, 'true', 1, undefined],
  estimated_cases: [true, false, 1, undefined],
  estimated_deaths: [true, false, 'false', undefined],
  region: [undefined, 'EUR', 'OTHER', 'AFR', 'EURO', 'MARS', '', 3],
};

function* variants(): Generator<Record<string, unknown>> {
  const base = { ...good };
  // Every single-field variant, then pairs of the flags (their consistency is the subtle part).
  for (const [key, values] of Object.entries(valueVariants)) {
    for (const value of values) yield { ...base, [key]: value };
    yield Object.fromEntries(Object.entries(base).filter(([k]) => k !== key)); // key absent
  }
  for (const estimated of valueVariants.estimated!) {
    for (const cases of valueVariants.estimated_cases!) {
      for (const deaths of valueVariants.estimated_deaths!) yield { ...base, estimated, estimated_cases: cases, estimated_deaths: deaths };
    }
  }
  yield { ...base, note: 'x' };
  // Fields in the reverse order: the JSON still has the schema's order.
  yield Object.fromEntries(Object.entries({ ...base, region: 'EUR' }).reverse());
  yield { ...base, region: 'SEAR', estimated: false, estimated_cases: false, estimated_deaths: false };
  // A pseudo-random mix: each field kept (three times in four) or any of its variants.
  let seed = 7;
  const pick = <T>(xs: T[]) => xs[Math.floor((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 65_536) % xs.length]!;
  for (let i = 0; i < 20_000; i++) {
    const record: Record<string, unknown> = {};
    for (const [key, values] of Object.entries(valueVariants)) {
      const value = pick([0, 1, 2, 3]) > 0 ? (base as Record<string, unknown>)[key] : pick(values);
      if (value !== undefined || pick([true, false])) record[key] = value;
    }
    yield record;
  }
}

test('the plain record check passes only what the schema accepts unchanged, and its JSON is the schema output JSON', () => {
  let plain = 0;
  for (const value of variants()) {
    const record = value as unknown as DailyRecord;
    const checked = schema.safeParse(value);
    if (isPlainValidRecord(record, TODAY)) {
      plain++;
      assert.ok(checked.success, `plain check passed what the schema refuses: ${JSON.stringify(value)}`);
      assert.equal(recordJson(record), JSON.stringify(checked.data), JSON.stringify(value));
    } else if (checked.success) {
      // Not plain but valid: only legacy records (without the per-count flags) are left to the schema.
      assert.ok(value.estimated_cases === undefined, `plain check refused a valid record with flags: ${JSON.stringify(value)}`);
      assert.equal(recordJson(checked.data), JSON.stringify(checked.data));
    }
  }
  assert.ok(plain > 1_000, `only ${plain} records took the plain path`);
});

test('the plain record check passes every record the pipeline makes: every country, region, source and flag combination', () => {
  for (const country of COUNTRY_CODES) {
    for (const region of [undefined, ...RECORD_REGIONS]) {
      for (const source of SOURCE_NAMES) {
        for (const [ec, ed] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const record: DailyRecord = { country, date: '2020-03-01', cases: 5, deaths: -1, source, estimated: ec || ed, estimated_cases: ec, estimated_deaths: ed };
          if (region !== undefined) record.region = region;
          assert.ok(isPlainValidRecord(record, TODAY), JSON.stringify(record));
          assert.ok(schema.safeParse(record).success);
        }
      }
    }
  }
});

test('checkRecord: the plain check for a pipeline record, the schema for a legacy one, and why for a bad one', () => {
  const today = '2024-01-01';
  const record: DailyRecord = { country: 'RU', date: '2020-05-01', cases: 5, deaths: 1, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false };
  const plain = checkRecord(record, today);
  assert.ok(plain.ok);
  assert.equal(plain.record, record, 'a pipeline record is taken as it is, not copied by zod');

  const legacy = checkRecord({ country: 'RU', date: '2020-05-01', cases: 5, deaths: 1, source: 'who', estimated: true }, today);
  assert.ok(legacy.ok);
  assert.deepEqual([legacy.record.estimated_cases, legacy.record.estimated_deaths], [true, true]);

  const bad = checkRecord({ ...record, cases: 1.5, date: '2030-01-01' }, today);
  assert.ok(!bad.ok);
  assert.ok(bad.problems.some((p) => p.startsWith('cases: ')), bad.problems.join('; '));
  assert.ok(bad.problems.some((p) => p.startsWith('date: ')), bad.problems.join('; '));

  const notARecord = checkRecord([1, 2], today);
  assert.ok(!notARecord.ok);
  assert.deepEqual(notARecord.problems.map((p) => p.split(':')[0]), ['(record)']);
});
