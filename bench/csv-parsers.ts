// CSV parsers on the real source files, in this process, no services: the CPU time to turn the
// bytes (already in memory, in 64 kB chunks as a file stream gives them) into records.
//
//   csv-parse      what the readers used before (streaming, bom, skip_empty_lines, info.lines)
//   udsv           uDSV's streaming chunk API on decoded text (no line numbers, no BOM handling)
//   papaparse      Papa.parse of the whole decoded text (no streaming: its best case)
//   own, all       csv-scan.ts with every field decoded (csvRecords: what csv-parse gave)
//   own, lazy      csv-scan.ts as the readers use it: scanned, only the 5 read cells decoded
//                  (codes, dates, regions interned; counts read from the bytes)
//
//   node --expose-gc bench/csv-parsers.ts [--runs N]   (prints Markdown; median CPU of N runs, default 5)
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import { csvRecords, csvRows } from '../src/pipeline/sources/csv.ts';
import { SOURCE_FILES } from '../test/support/source-content.ts';
import { loadAverage, median } from './stats.ts';

const CHUNK = 64 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;

/** What each parser reports: records and a checksum over the fields' lengths, to compare them. */
interface Outcome {
  records: number;
  check: number;
}

const chunksOf = (bytes: Buffer) => Array.from({ length: Math.ceil(bytes.length / CHUNK) }, (_, i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK));

async function csvParse(chunks: Buffer[]): Promise<Outcome> {
  const parser = Readable.from(chunks).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let records = 0;
  let check = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    records++;
    check += record.length + info.lines;
  }
  return { records, check };
}

function udsv(chunks: Buffer[]): Outcome {
  const decoder = new TextDecoder();
  let parser: ReturnType<typeof initParser> | undefined;
  let records = 1; // the header, which uDSV takes as the schema
  let check = 0;
  for (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    parser ??= initParser(inferSchema(text));
    parser.chunk<string[]>(text, parser.stringArrs, (row) => {
      records++;
      check += row.length;
    });
  }
  parser!.end();
  return { records, check };
}

function papaparse(chunks: Buffer[]): Outcome {
  const text = Buffer.concat(chunks).toString('utf8');
  const result = Papa.parse<string[]>(text, { skipEmptyLines: true });
  return { records: result.data.length, check: 0 };
}

async function ownAll(chunks: Buffer[]): Promise<Outcome> {
  let records = 0;
  let check = 0;
  for await (const batch of csvRecords(Readable.from(chunks), 'bench')) {
    for (const { fields, line } of batch) {
      records++;
      check += fields.length + line;
    }
  }
  return { records, check };
}

async function ownLazy(chunks: Buffer[], columns: number[]): Promise<Outcome> {
  let records = 0;
  let check = 0;
  for await (const rows of csvRows(Readable.from(chunks), 'bench')) {
    for (let r = 0; r < rows.length; r++) {
      records++;
      check += rows.size(r) + rows.line(r);
      for (const c of columns) if (rows.digits(r, c) < 0) check += rows.interned(r, c).length;
    }
  }
  return { records, check };
}

const FILES = [
  { name: 'ECDC final (4.3 MB, 61,901 lines)', file: SOURCE_FILES.ecdcFinal, columns: [0, 1, 2, 3, 4, 5, 7] },
  { name: 'WHO daily (13.5 MB, 296,725 lines)', file: SOURCE_FILES.whoDaily, columns: [0, 1, 3, 4, 6] },
];
const PARSERS: { name: string; run: (chunks: Buffer[], columns: number[]) => Outcome | Promise<Outcome> }[] = [
  { name: 'csv-parse 6.2.1', run: csvParse },
  { name: 'udsv 0.7.3', run: udsv },
  { name: 'papaparse 5.5.3', run: papaparse },
  { name: 'own, all fields', run: ownAll },
  { name: 'own, the read cells only', run: ownLazy },
];

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${loadAverage()}; ${new Date().toISOString()}; median of ${runs} runs.\n`);
console.log('| file | parser | CPU (median) | runs (ms) | records | × csv-parse |\n|---|---|---|---|---|---|');
for (const { name, file, columns } of FILES) {
  const chunks = chunksOf(readFileSync(file));
  let baseline = 0;
  for (const parser of PARSERS) {
    const times: number[] = [];
    let outcome: Outcome | undefined;
    for (let i = 0; i < runs; i++) {
      gc?.();
      const before = cpuMs();
      outcome = await parser.run(chunks, columns);
      times.push(cpuMs() - before);
    }
    const m = median(times);
    baseline ||= m;
    console.log(`| ${name} | ${parser.name} | ${m.toFixed(0)} ms | ${times.map((t) => t.toFixed(0)).join(', ')} | ${outcome!.records.toLocaleString('en-US')} | ${(m / baseline).toFixed(2)}× |`);
  }
}
