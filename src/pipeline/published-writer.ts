// Records what a load published (etl_published, the base of the next run's diff) as it goes, a
// group of records at a time, into the task's completion transaction (completion.ts): the rows
// become visible only when the task completes, after Kafka acknowledged every record, and never
// if the attempt fails or lost its claim. Writing while the load is still publishing leaves the
// completion almost nothing to do (it used to insert every published record itself: 192,420 for
// WHO, ~3 s on the 2-core machine; docs/benchmarks.md).
//
// COPY carries the rows (pg-copy-streams, decision 0105). When the source has nothing recorded
// yet (its historical load) they go straight into etl_published; otherwise each group goes
// through a temporary table and one INSERT ... ON CONFLICT that replaces the older values.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { DailyRecord, SourceName } from '../domain/record.ts';
import type { PoolClient } from '../platform/postgres.ts';
import { INTEGER_MAX_BYTES, isPlainAscii, writeAscii, writeInteger } from './ascii-bytes.ts';

const COLUMNS = 'source, country, date, cases, deaths, estimated, estimated_cases, estimated_deaths, run_id';
const INCOMING = 'etl_published_incoming';

/** COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : value;
}

function copyInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer count: ${value}`);
  return String(value);
}

const copyBoolean = (value: boolean) => (value ? 't' : 'f');

/** One record as a line of COPY text, in the order of COLUMNS. */
export function copyLine(record: DailyRecord, runId: string): string {
  return `${copyText(record.source)}\t${copyText(record.country)}\t${copyText(record.date)}\t${copyInteger(record.cases)}\t${copyInteger(record.deaths)}\t${copyBoolean(record.estimated_cases || record.estimated_deaths)}\t${copyBoolean(record.estimated_cases)}\t${copyBoolean(record.estimated_deaths)}\t${runId}\n`;
}

const TAB = 0x09;
const LF = 0x0a;
/** A line's bytes but for its text fields and the run id: five integers' and booleans' worth, nine separators. */
const LINE_FIXED = 2 * INTEGER_MAX_BYTES + 3 + 9;

/**
 * Records as COPY text bytes, as copyLine writes them: written straight into one Buffer (the
 * records of a load's group: no string per line), copyLine's own text for a record with text
 * that needs escaping (none that passed the record check).
 */
export function copyBytes(records: readonly DailyRecord[], runId: string): Buffer {
  const run = Buffer.from(runId, 'latin1');
  let room = 0;
  for (const r of records) room += LINE_FIXED + run.length + r.source.length + r.country.length + r.date.length;
  let bytes = Buffer.allocUnsafe(room);
  let at = 0;
  for (const r of records) {
    if (!(isPlainAscii(r.source) && isPlainAscii(r.country) && isPlainAscii(r.date))) {
      const line = Buffer.from(copyLine(r, runId), 'utf8');
      bytes = Buffer.concat([bytes.subarray(0, at), line, bytes.subarray(at)]);
      at += line.length;
      continue;
    }
    at = writeAscii(r.source, bytes, at);
    bytes[at++] = TAB;
    at = writeAscii(r.country, bytes, at);
    bytes[at++] = TAB;
    at = writeAscii(r.date, bytes, at);
    bytes[at++] = TAB;
    at = writeInteger(r.cases, bytes, at);
    bytes[at++] = TAB;
    at = writeInteger(r.deaths, bytes, at);
    bytes[at++] = TAB;
    bytes[at++] = copyFlag(r.estimated_cases || r.estimated_deaths);
    bytes[at++] = TAB;
    bytes[at++] = copyFlag(r.estimated_cases);
    bytes[at++] = TAB;
    bytes[at++] = copyFlag(r.estimated_deaths);
    bytes[at++] = TAB;
    at += run.copy(bytes, at);
    bytes[at++] = LF;
  }
  return bytes.subarray(0, at);
}

const copyFlag = (value: boolean) => (value ? 0x74 : 0x66); // t, f

export class PublishedWriter {
  readonly #client: PoolClient;
  readonly #runId: string;
  /** The source had nothing recorded when the writer opened: plain COPY into etl_published. */
  readonly #first: boolean;
  #incoming = false;
  /** The write in flight; its failure surfaces at the next add() or finish(). */
  #writing: Promise<void> = Promise.resolve();
  #rows = 0;

  private constructor(client: PoolClient, runId: string, first: boolean) {
    this.#client = client;
    this.#runId = String(BigInt(runId));
    this.#first = first;
  }

  /** `client` is in the transaction that completes the task. */
  static async open(client: PoolClient, runId: string, source: SourceName): Promise<PublishedWriter> {
    const { rows } = await client.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM etl_published WHERE source = $1) AS any', [source]);
    return new PublishedWriter(client, runId, rows[0]?.any !== true);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Starts writing the records once the previous write is done, and returns without waiting for
   * it: the load goes on with its next group meanwhile. At most one group is held here.
   */
  async add(records: readonly DailyRecord[]): Promise<void> {
    await this.#writing;
    if (records.length === 0) return;
    this.#writing = this.#write(records);
    // Surfaced by the next add() or finish(); a load that fails first rolls it all back anyway.
    this.#writing.catch(() => {});
  }

  /** Waits for the last write; rejects if any failed. */
  async finish(): Promise<void> {
    await this.#writing;
  }

  async #write(records: readonly DailyRecord[]): Promise<void> {
    const text = copyBytes(records, this.#runId);
    if (this.#first) {
      await this.#copy('etl_published', text);
    } else {
      if (!this.#incoming) {
        await this.#client.query(`CREATE TEMPORARY TABLE ${INCOMING} (LIKE etl_published) ON COMMIT DROP`);
        this.#incoming = true;
      }
      await this.#copy(INCOMING, text);
      await this.#client.query(
        `INSERT INTO etl_published (${COLUMNS}) SELECT ${COLUMNS} FROM ${INCOMING}
         ON CONFLICT (source, country, date) DO UPDATE
           SET cases = EXCLUDED.cases, deaths = EXCLUDED.deaths, estimated = EXCLUDED.estimated,
               estimated_cases = EXCLUDED.estimated_cases, estimated_deaths = EXCLUDED.estimated_deaths, run_id = EXCLUDED.run_id`,
      );
      await this.#client.query(`TRUNCATE ${INCOMING}`);
    }
    this.#rows += records.length;
  }

  async #copy(table: string, text: Buffer): Promise<void> {
    await pipeline(Readable.from([text]), this.#client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN`)));
  }
}
