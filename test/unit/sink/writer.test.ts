import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAILY_COLUMNS, decodeMessage, type DailyRow } from '../../../src/sink/decode.ts';
import { tabSeparated } from '../../../src/sink/writer.ts';
import { message, record } from './messages.ts';

test('tabSeparated writes each row as one line, its fields in DAILY_COLUMNS order', () => {
  const rows: DailyRow[] = [record(), record({ country: 'BR', region: 'AMR', cases: -5, estimated: true, estimated_deaths: true, estimated_cases: false })].map((r) => {
    const decoded = decodeMessage(message({ record: r }));
    assert.ok(decoded.ok);
    return decoded.row;
  });
  const lines = tabSeparated(rows).split('\n');
  assert.equal(lines.pop(), '', 'the body ends with a newline');
  assert.equal(lines.length, rows.length);
  lines.forEach((line, i) => {
    const row = rows[i]!;
    assert.deepEqual(line.split('\t'), DAILY_COLUMNS.map((column) => String(row[column])));
  });
  assert.equal(tabSeparated([]), '');
});
