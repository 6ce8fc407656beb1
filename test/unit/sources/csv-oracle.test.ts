// The oracle of csv-scan.ts: on the real source files, read in chunks of an odd size (so that
// rows, quotes, CRLFs and multi-byte characters are split at every kind of place), its records,
// fields and line numbers are csv-parse's, with the options the readers used before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { csvRecords } from '../../../src/pipeline/sources/csv.ts';
import { SOURCE_FILES } from '../../support/source-content.ts';

for (const name of ['ecdcFinal', 'ecdcExcelResaved', 'whoDaily', 'whoWeekly20250928'] as const) {
  test(`${name}: every record, field and line number as csv-parse gives them`, async () => {
    const file = SOURCE_FILES[name];
    const oracle = createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
    const expected = (oracle as AsyncIterable<{ record: string[]; info: { lines: number } }>)[Symbol.asyncIterator]();
    let count = 0;
    for await (const batch of csvRecords(createReadStream(file, { highWaterMark: 4093 }), name)) {
      for (const record of batch) {
        const next = await expected.next();
        assert.ok(!next.done, `csv-parse ended before record ${count + 1}`);
        if (record.line !== next.value.info.lines || record.fields.length !== next.value.record.length || record.fields.some((f, i) => f !== next.value.record[i])) {
          assert.deepEqual(record, { line: next.value.info.lines, fields: next.value.record }, `record ${count + 1}`);
        }
        count++;
      }
    }
    assert.equal((await expected.next()).done, true, 'csv-parse has more records');
    assert.ok(count > 60_000, `${count} records`);
  });
}
