// The bytes the worker writes for each published record (the Kafka key and value, the COPY line
// of etl_published) are exactly the UTF-8 of the strings the domain defines for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';
import { recordJson, recordKey, SOURCE_NAMES, type DailyRecord } from '../../../src/domain/record.ts';
import { RECORD_REGIONS } from '../../../src/domain/regions.ts';
import { isPlainAscii, writeAscii, writeInteger } from '../../../src/pipeline/ascii-bytes.ts';
import { copyBytes, copyLine } from '../../../src/pipeline/published-writer.ts';
import { RecordSlabs } from '../../../src/pipeline/record-bytes.ts';

const arbitraryRecord: fc.Arbitrary<DailyRecord> = fc
  .record({
    country: fc.constantFrom(...COUNTRY_CODES),
    date: fc.date({ min: new Date('2020-01-01'), max: new Date('2025-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    cases: fc.oneof(fc.integer({ min: -1000, max: 1_000_000 }), fc.maxSafeInteger(), fc.constant(Number.MIN_SAFE_INTEGER)),
    deaths: fc.integer({ min: -50, max: 100_000 }),
    source: fc.constantFrom(...SOURCE_NAMES),
    estimated_cases: fc.boolean(),
    estimated_deaths: fc.boolean(),
    region: fc.option(fc.constantFrom(...RECORD_REGIONS), { nil: undefined }),
  })
  .map(({ region, ...r }) => ({ ...r, estimated: r.estimated_cases || r.estimated_deaths, ...(region === undefined ? {} : { region }) }));

test("a record's key and value are recordKey's and recordJson's bytes, across slabs (fast-check)", () => {
  fc.assert(
    fc.property(fc.array(arbitraryRecord, { minLength: 1, maxLength: 600 }), (records) => {
      const slabs = new RecordSlabs();
      const written = records.map((r) => slabs.write(r));
      records.forEach((r, i) => {
        assert.equal(written[i]!.key.toString('utf8'), recordKey(r));
        assert.equal(written[i]!.value.toString('utf8'), recordJson(r));
      });
    }),
    { numRuns: 60 },
  );
});

test('a record with text JSON would escape is refused, not written wrong', () => {
  const record: DailyRecord = { country: 'RU', date: '2021-03-01', cases: 1, deaths: 0, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false };
  const slabs = new RecordSlabs();
  assert.throws(() => slabs.write({ ...record, country: 'R"' }), /not plain ASCII text: "R\\""/);
  assert.throws(() => slabs.write({ ...record, date: '2021-03-0\u00e9' }), /not plain ASCII text/);
  assert.throws(() => slabs.write({ ...record, cases: 1.5 }), /not an integer count: 1.5/);
  assert.equal(slabs.write(record).value.toString(), recordJson(record));
});

test('plain ASCII and integers as bytes', () => {
  const bytes = Buffer.alloc(64);
  assert.equal(bytes.toString('latin1', 0, writeInteger(-9_007_199_254_740_991, bytes, 0)), '-9007199254740991');
  assert.equal(bytes.toString('latin1', 0, writeInteger(0, bytes, 0)), '0');
  assert.equal(bytes.toString('latin1', 0, writeInteger(1_234_560, bytes, 0)), '1234560');
  assert.throws(() => writeInteger(Number.NaN, bytes, 0), /not an integer count: NaN/);
  assert.throws(() => writeInteger(2 ** 53, bytes, 0), /not an integer count/);
  assert.equal(bytes.toString('latin1', 0, writeAscii('who ~!', bytes, 0)), 'who ~!');
  for (const text of ['a\\b', 'a"b', 'a\tb', 'a\nb', '\u007f', 'ü']) {
    assert.equal(isPlainAscii(text), false, JSON.stringify(text));
    assert.throws(() => writeAscii(text, bytes, 0), /not plain ASCII text/);
  }
});

test("the COPY bytes of records are copyLine's lines, escaped ones included", () => {
  fc.assert(
    fc.property(fc.array(arbitraryRecord, { minLength: 1, maxLength: 300 }), fc.nat(300), (records, at) => {
      const mixed = [...records];
      // a record the schema would never let through: copyLine escapes its text
      mixed.splice(Math.min(at, mixed.length), 0, { ...records[0]!, country: 'R\tU\\', date: '2021\n03' });
      assert.equal(copyBytes(mixed, '12345').toString('utf8'), mixed.map((r) => copyLine(r, '12345')).join(''));
    }),
    { numRuns: 60 },
  );
});
