import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { csvRecords, type CsvRecord } from '../../../src/pipeline/sources/csv.ts';
import { MAX_ROW_CHARS } from '../../../src/pipeline/sources/csv-scan.ts';
import { SourceFormatError } from '../../../src/pipeline/sources/errors.ts';

async function records(chunks: (Buffer | string)[]): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const batch of csvRecords(Readable.from(chunks), 'test')) out.push(...batch);
  return out;
}

/** What csv-parse (the readers' parser before csv-scan.ts) makes of the same bytes, with the options the readers used. */
async function csvParseRecords(bytes: Buffer): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  const parser = Readable.from([bytes]).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) out.push({ line: info.lines, fields: record });
  return out;
}

// Quotes with commas, "" and newlines of each kind inside, an empty quoted field, empty lines,
// multi-byte characters (2, 3 and 4 bytes), a BOM, CRLF line ends, no line end at the end.
const TEXT =
  '\uFEFFcode,name,n\r\n' +
  'NA,Namibia,1\r\n' +
  'CI,"Côte d’Ivoire, ""CI""",2\r\n' +
  '\r\n' +
  'SH,"Saint Helena\nAscension\nTristan",3\r\n' +
  'XX,"",\r\n' +
  'RU,Россия 🦠,-4';
const EXPECTED: CsvRecord[] = [
  { line: 1, fields: ['code', 'name', 'n'] },
  { line: 2, fields: ['NA', 'Namibia', '1'] }, // NA stays a string
  { line: 3, fields: ['CI', 'Côte d’Ivoire, "CI"', '2'] },
  { line: 7, fields: ['SH', 'Saint Helena\nAscension\nTristan', '3'] }, // the empty line 4 counted, not read
  { line: 8, fields: ['XX', '', ''] },
  { line: 9, fields: ['RU', 'Россия 🦠', '-4'] },
];

test('quotes, "" escapes, embedded commas and newlines, CRLF, BOM, empty lines, UTF-8: the records and their lines', async () => {
  const bytes = Buffer.from(TEXT);
  assert.deepEqual(await records([bytes]), EXPECTED);
  assert.deepEqual(await csvParseRecords(bytes), EXPECTED, 'csv-parse agrees');
});

test('the same records whatever the chunks: split at every byte, and one byte at a time', async () => {
  const bytes = Buffer.from(TEXT);
  for (let at = 0; at <= bytes.length; at++) {
    assert.deepEqual(await records([bytes.subarray(0, at), bytes.subarray(at)]), EXPECTED, `split at byte ${at}`);
  }
  assert.deepEqual(await records([...bytes].map((b) => Buffer.from([b]))), EXPECTED);
});

test('a CRLF inside quotes is one physical line (csv-parse counted it as two)', async () => {
  const text = 'a,b\r\n1,"x\r\ny\r\nz"\r\n2,3\r\n';
  assert.deepEqual(await records([text]), [
    { line: 1, fields: ['a', 'b'] },
    { line: 4, fields: ['1', 'x\r\ny\r\nz'] },
    { line: 5, fields: ['2', '3'] },
  ]);
  assert.deepEqual((await csvParseRecords(Buffer.from(text))).map((r) => r.line), [1, 6, 7]);
});

test('LF, lone CR and CRLF each end a line; strings are taken as UTF-8 text', async () => {
  const expected = [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['1', '2'] },
    { line: 3, fields: ['3', '4'] },
    { line: 5, fields: ['5', 'é'] },
  ];
  assert.deepEqual(await records(['a,b\n1,2\r3,4\r\n\n5,é\n']), expected);
  assert.deepEqual(await records([Buffer.from('a,b\r1,2\r3,4\r\r5,é\r')]), expected);
});

test('an empty input, a BOM alone, empty lines alone: no records', async () => {
  for (const input of ['', '\uFEFF', '\n\r\n\r', '\uFEFF\n']) assert.deepEqual(await records([input]), [], JSON.stringify(input));
});

test('ragged rows keep their own field count (the reader rejects them with it)', async () => {
  assert.deepEqual(await records(['a,b,c\n1,2\n1,2,3,4\n,\n']), [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', '2'] },
    { line: 3, fields: ['1', '2', '3', '4'] },
    { line: 4, fields: ['', ''] },
  ]);
});

async function formatError(chunks: (Buffer | string)[]): Promise<SourceFormatError> {
  const error = await records(chunks).then(
    () => assert.fail('no error'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SourceFormatError, String(error));
  return error;
}

test('malformed quoting stops the read with the line it is on', async () => {
  const quoteInside = await formatError(['a,b\n1,2\n3,x"y"z\n5,6\n']);
  assert.equal(quoteInside.line, 3);
  assert.match(quoteInside.message, /test: malformed file at line 3: a quote inside an unquoted field/);

  const afterClose = await formatError(['a,b\n1,"x\ny"z\n']);
  assert.equal(afterClose.line, 3);
  assert.match(afterClose.message, /a closing quote is followed by "z"/);

  // A quote that never closes, at the end of the input: the line where it opened.
  const unclosed = await formatError(['a,b\r\n1,2\r\n3,"x\r\n4,5\r\n6,7\r\n']);
  assert.equal(unclosed.line, 3);
  assert.match(unclosed.message, /a quoted field opened on line 3 never closes/);
});

test('a row longer than the limit stops the read (a quote that never closes holds no more than that)', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const chunks = [Buffer.from('a,b\n1,"'), ...Array.from({ length: Math.ceil(MAX_ROW_CHARS / chunk.length) + 2 }, () => chunk)];
  const error = await formatError(chunks);
  assert.equal(error.line, 2);
  assert.match(error.message, /a row longer than \d+ characters \(a quoted field opened on line 2 has not closed\)/);
});
