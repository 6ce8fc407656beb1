// A source read staged on disk, so that the worker's memory does not grow with the file. The
// rules need a country's whole series and the gate needs the whole read before anything is
// published, whatever order the file is in (WHO's daily release has been sorted by country and
// by date): the accepted rows go, as `date,cases,deaths` lines (series-line.ts) written as bytes
// into a write buffer of a few kB per country, to one file, a full buffer at a time, each
// country's blocks remembered by their place; the rejected rows to one more file. Afterwards the
// series are read back one country at a time. One file kept open instead of a file per country
// opened for each append: appendFileSync (open, write, close) took more CPU than the rest of the
// read. Memory: the buffers, the blocks' places (16 bytes per 8 kB staged) and the per-country
// statistics (read-stats.ts), i.e. bounded by the number of countries and days, not by the rows.
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReadStats } from '../../domain/quality.ts';
import type { SourceName } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';
import type { SeriesPoint } from '../../domain/transform/types.ts';
import type { SourceReject } from '../publisher.ts';
import { ReadStatsBuilder } from './read-stats.ts';
import { parseSeriesLine, SERIES_LINE_MAX, writeSeriesLine } from './series-line.ts';
import type { ReaderItem, RejectedItem } from './types.ts';

const PREFIX = 'covid-etl-stage-';
/** A country's write buffer: its rows are written out when the next line might not fit. */
const BUFFER_BYTES = 8 * 1024;
/** Stages left behind by a process that died before its task completed are removed after this. */
const STALE_MS = 24 * 3600_000;

export interface StagedRead {
  source: SourceName;
  stats: ReadStats;
  /** Each country's region on its latest row that has one (WHO files only; empty otherwise). */
  regions: Map<string, RecordRegion>;
  stage: SeriesStage;
}

/** One country's staged rows: the line buffer not yet written, and the places of the blocks that were. */
interface CountryStage {
  buffer: Buffer;
  used: number;
  /** Offset and length of each written block, in file order. */
  blocks: number[];
}

export class SeriesStage {
  readonly dir: string;
  /** The series file, open for writing and reading back until remove(). */
  private fd: number | undefined;
  private written = 0;
  private readonly countriesStaged = new Map<string, CountryStage>();
  private rejectsBuffer = '';

  private constructor(dir: string) {
    this.dir = dir;
    this.fd = openSync(path.join(dir, 'series.csv'), 'w+');
  }

  static create(source: SourceName, root = os.tmpdir()): SeriesStage {
    removeStale(root);
    return new SeriesStage(mkdtempSync(path.join(root, `${PREFIX}${source}-`)));
  }

  add(country: string, point: SeriesPoint): void {
    let staged = this.countriesStaged.get(country);
    if (staged === undefined) {
      staged = { buffer: Buffer.allocUnsafeSlow(BUFFER_BYTES), used: 0, blocks: [] };
      this.countriesStaged.set(country, staged);
    }
    if (staged.used + SERIES_LINE_MAX > BUFFER_BYTES) this.writeOut(staged);
    staged.used = writeSeriesLine(point, staged.buffer, staged.used);
  }

  addReject(item: RejectedItem): void {
    const reject: SourceReject = { line: item.line, reason: item.reason, raw: item.raw };
    this.rejectsBuffer += `${JSON.stringify(reject)}\n`;
    if (this.rejectsBuffer.length >= BUFFER_BYTES) this.flushRejects();
  }

  /** Writes out what is buffered; the stage is then complete on disk. */
  seal(): void {
    for (const staged of this.countriesStaged.values()) this.writeOut(staged);
    this.flushRejects();
  }

  /** The staged countries, sorted. */
  countries(): string[] {
    return [...this.countriesStaged.keys()].sort();
  }

  /** One country's series, in file order. */
  series(country: string): SeriesPoint[] {
    const staged = this.countriesStaged.get(country);
    if (staged === undefined) return [];
    const { blocks } = staged;
    let total = 0;
    for (let i = 1; i < blocks.length; i += 2) total += blocks[i]!;
    const bytes = Buffer.allocUnsafe(total);
    for (let i = 0, at = 0; i < blocks.length; at += blocks[i + 1]!, i += 2) {
      if (readSync(this.open(), bytes, at, blocks[i + 1]!, blocks[i]!) !== blocks[i + 1]) throw new Error(`the stage ${this.dir} is shorter than written`);
    }
    return bytes.toString('latin1').split('\n').filter((line) => line !== '').map(parseSeriesLine);
  }

  /** The rejected rows, a chunk at a time. */
  rejects(chunk = 500): Generator<SourceReject[]> {
    return readChunks<SourceReject>(this.rejectsFile(), chunk);
  }

  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeOut(staged: CountryStage): void {
    if (staged.used === 0) return;
    const fd = this.open();
    let done = 0;
    while (done < staged.used) done += writeSync(fd, staged.buffer, done, staged.used - done, this.written + done);
    staged.blocks.push(this.written, staged.used);
    this.written += staged.used;
    staged.used = 0;
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`the stage ${this.dir} was removed`);
    return this.fd;
  }

  private flushRejects(): void {
    if (this.rejectsBuffer === '') return;
    appendFileSync(this.rejectsFile(), this.rejectsBuffer);
    this.rejectsBuffer = '';
  }

  private rejectsFile(): string {
    return path.join(this.dir, 'rejects.jsonl');
  }
}

/** A staged JSON-lines file in chunks, read a piece at a time so that it is never held whole. */
function* readChunks<T>(file: string, chunk: number): Generator<T[]> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(1 << 20);
    let rest = '';
    let batch: T[] = [];
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      const text = rest + buffer.toString('utf8', 0, n);
      const lines = text.split('\n');
      rest = n === 0 ? '' : lines.pop()!;
      for (const line of lines) {
        if (line === '') continue;
        batch.push(JSON.parse(line) as T);
        if (batch.length >= chunk) {
          yield batch;
          batch = [];
        }
      }
      if (n === 0) break;
    }
    if (batch.length > 0) yield batch;
  } finally {
    closeSync(fd);
  }
}

/** Drains a reader into a stage (sealed at the end); the statistics are kept in memory. */
export async function stageRead(source: SourceName, batches: AsyncIterable<readonly ReaderItem[]>, stage: SeriesStage): Promise<StagedRead> {
  const builder = new ReadStatsBuilder(source);
  for await (const items of batches) {
    for (const item of items) {
      const kept = builder.add(item);
      if (kept === null) continue;
      if (kept.kind === 'rejected') stage.addReject(kept);
      else stage.add(kept.country, kept); // a row is a point (its date and counts), no copy
    }
  }
  stage.seal();
  return { source, stats: builder.stats, regions: builder.regions(), stage };
}

function removeStale(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      // Compared with the file system's own times, so the wall clock, not the worker's Clock.
      if (Date.now() - statSync(dir).mtimeMs > STALE_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // another worker removed it first
    }
  }
}
