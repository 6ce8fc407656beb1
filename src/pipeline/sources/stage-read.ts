// A source read staged on disk, so that the worker's memory does not grow with the file. The
// rules need a country's whole series and the gate needs the whole read before anything is
// published, whatever order the file is in (WHO's daily release has been sorted by country and
// by date): the accepted rows go to one small file per country (a `date,cases,deaths` line each,
// series-line.ts), the rejected rows to one more, through write buffers of a few kB per country.
// Afterwards the series are read back one country at a time. Memory: the buffers and the
// per-country statistics (read-stats.ts), i.e. bounded by the number of countries and days, not
// by the number of rows.
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReadStats } from '../../domain/quality.ts';
import type { SourceName } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';
import type { SeriesPoint } from '../../domain/transform/types.ts';
import type { SourceReject } from '../publisher.ts';
import { ReadStatsBuilder } from './read-stats.ts';
import { parseSeriesLine, seriesLine } from './series-line.ts';
import type { ReaderItem, RejectedItem } from './types.ts';

const PREFIX = 'covid-etl-stage-';
/** A country's buffered rows are written out past this many characters. */
const FLUSH_AT = 8 * 1024;
/** Stages left behind by a process that died before its task completed are removed after this. */
const STALE_MS = 24 * 3600_000;

export interface StagedRead {
  source: SourceName;
  stats: ReadStats;
  /** Each country's region on its latest row that has one (WHO files only; empty otherwise). */
  regions: Map<string, RecordRegion>;
  stage: SeriesStage;
}

export class SeriesStage {
  readonly dir: string;
  private readonly buffers = new Map<string, string>();
  private rejectsBuffer = '';

  private constructor(dir: string) {
    this.dir = dir;
  }

  static create(source: SourceName, root = os.tmpdir()): SeriesStage {
    removeStale(root);
    return new SeriesStage(mkdtempSync(path.join(root, `${PREFIX}${source}-`)));
  }

  add(country: string, point: SeriesPoint): void {
    const buffered = `${this.buffers.get(country) ?? ''}${seriesLine(point)}\n`;
    if (buffered.length < FLUSH_AT) this.buffers.set(country, buffered);
    else {
      appendFileSync(this.countryFile(country), buffered);
      this.buffers.set(country, '');
    }
  }

  addReject(item: RejectedItem): void {
    const reject: SourceReject = { line: item.line, reason: item.reason, raw: item.raw };
    this.rejectsBuffer += `${JSON.stringify(reject)}\n`;
    if (this.rejectsBuffer.length >= FLUSH_AT) this.flushRejects();
  }

  /** Writes out what is buffered; the stage is then complete on disk. */
  seal(): void {
    for (const [country, buffered] of this.buffers) {
      if (buffered !== '') appendFileSync(this.countryFile(country), buffered);
      this.buffers.set(country, '');
    }
    this.flushRejects();
  }

  /** The staged countries, sorted. */
  countries(): string[] {
    return [...this.buffers.keys()].sort();
  }

  /** One country's series, in file order. */
  series(country: string): SeriesPoint[] {
    return readLines(this.countryFile(country)).map(parseSeriesLine);
  }

  /** The rejected rows, a chunk at a time. */
  rejects(chunk = 500): Generator<SourceReject[]> {
    return readChunks<SourceReject>(this.rejectsFile(), chunk);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flushRejects(): void {
    if (this.rejectsBuffer === '') return;
    appendFileSync(this.rejectsFile(), this.rejectsBuffer);
    this.rejectsBuffer = '';
  }

  // Country codes are two upper-case letters (the readers map them): safe as file names.
  private countryFile(country: string): string {
    return path.join(this.dir, `${country}.csv`);
  }

  private rejectsFile(): string {
    return path.join(this.dir, 'rejects.jsonl');
  }
}

/** A staged file's lines (a country's series: a few thousand at most). */
function readLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing was staged
    throw error;
  }
  return text.split('\n').filter((line) => line !== '');
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
