// The COPY text of a published record: columns in etl_published's order, booleans as t/f,
// `estimated` derived from the two per-count flags, text escaped, counts only if integers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DailyRecord } from '../../../src/domain/record.ts';
import { copyLine } from '../../../src/pipeline/published-writer.ts';

const record: DailyRecord = { country: 'RU', date: '2021-03-01', cases: -12, deaths: 0, source: 'who', estimated: true, estimated_cases: false, estimated_deaths: true };

test('a record is one line of COPY text in the column order of etl_published', () => {
  assert.equal(copyLine(record, '42'), 'who\tRU\t2021-03-01\t-12\t0\tt\tf\tt\t42\n');
  assert.equal(copyLine({ ...record, estimated: false, estimated_deaths: false }, '1'), 'who\tRU\t2021-03-01\t-12\t0\tf\tf\tf\t1\n');
});

test("text that COPY would read as a separator or an escape is escaped (the schema never lets one through; this is the writer's own guard)", () => {
  assert.equal(copyLine({ ...record, country: 'R\tU\\' }, '1').split('\t')[1], 'R\\tU\\\\');
  assert.equal(copyLine({ ...record, date: '2021\n03\r01' }, '1').split('\t')[2], '2021\\n03\\r01');
});

test('a count that is not an integer is refused rather than written', () => {
  assert.throws(() => copyLine({ ...record, cases: 1.5 }, '1'), /not an integer count: 1.5/);
  assert.throws(() => copyLine({ ...record, deaths: Number.NaN }, '1'), /not an integer count: NaN/);
});
