import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { csvRecords, type CsvRecord } from '../../../src/pipeline/sources/csv.ts';
import { SourceFormatError } from '../../../src/pipeline/sources/errors.ts';

async function all(input: Readable): Promise<{ records: CsvRecord[]; batches: number }> {
  const records: CsvRecord[] = [];
  let batches = 0;
  for await (const batch of csvRecords(input, 'test')) {
    assert.ok(batch.length > 0, 'no empty batch');
    batches++;
    records.push(...batch);
  }
  return { records, batches };
}

const TEXT = '\uFEFFa,b\r\n1,"x\ny"\r\n\r\n2,é\r\n3,"q,""r"""\r\n4,last';
const EXPECTED: CsvRecord[] = [
  { line: 1, fields: ['a', 'b'] },
  { line: 3, fields: ['1', 'x\ny'] }, // a quoted newline: the row ends on line 3
  { line: 5, fields: ['2', 'é'] }, // the empty line 4 is skipped, still counted
  { line: 6, fields: ['3', 'q,"r"'] },
  { line: 7, fields: ['4', 'last'] }, // no newline at the end
];

test('records in batches: line numbers, quotes, BOM, CRLF and empty lines as whole-file parsing gives them', async () => {
  const whole = await all(Readable.from([Buffer.from(TEXT)]));
  assert.deepEqual(whole.records, EXPECTED);
  // One byte at a time (é split in two): the same records.
  const bytes = Buffer.from(TEXT);
  const split = await all(Readable.from([...bytes].map((b) => Buffer.from([b]))));
  assert.deepEqual(split.records, EXPECTED);
});

test('many records arrive in few batches (one per parsed chunk, not one per row)', async () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${i * 2}`);
  const { records, batches } = await all(Readable.from([Buffer.from(`n,m\n${rows.join('\n')}\n`)]));
  assert.equal(records.length, 20_001);
  assert.deepEqual(records.at(-1), { line: 20_001, fields: ['19999', '39998'] });
  assert.ok(batches < 100, `${batches} batches`);
});

test('a malformed row in the middle fails the read with its line, and nothing crashes afterwards', async () => {
  const text = `a,b\n1,2\n3,x"y"z\n${'5,6\n'.repeat(5_000)}`;
  await assert.rejects(all(Readable.from([Buffer.from(text)])), (error) => {
    assert.ok(error instanceof SourceFormatError);
    assert.equal(error.line, 3);
    return true;
  });
  // No stray 'error' of the parser escapes afterwards (it comes on a later tick).
  await new Promise((resolve) => setTimeout(resolve, 20));
});

test('a consumer that stops early releases the input; a failing input fails the read', async () => {
  const input = Readable.from([Buffer.from(`a,b\n${'1,2\n'.repeat(50_000)}`)]);
  for await (const batch of csvRecords(input, 'test')) {
    assert.ok(batch.length > 0);
    break;
  }
  assert.equal(input.destroyed, true);

  async function* broken() {
    yield Buffer.from('a,b\n1,2\n');
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('connection reset');
  }
  await assert.rejects(all(Readable.from(broken())), /connection reset/);
});
