// Turns one Kafka message into a ClickHouse row, or into the reason it cannot be one.
// Pure: no I/O, so every rule of the message contract is unit-tested here.
//
// Contract (the pipeline publisher follows it): key `country:date`, value the JSON of a
// DailyRecord, header `run-id` the decimal run id (absent means 0), and the Kafka timestamp the
// publish time in ms, from which the row's version is derived (version.ts).
//
// The message arrives as bytes (platform/kafka.ts, createSinkConsumer): the publisher's own
// shape is read from them directly (record-json.ts); only anything else is decoded to text, for
// JSON.parse and the schema, and for the reasons and the dead letters.
import { utcToday } from '../domain/dates.ts';
import { checkRecord, isPlainValidRecord, recordKey, type DailyRecord } from '../domain/record.ts';
import { readRecordBytes } from './record-json.ts';
import { recordVersion, type Source } from './version.ts';

/** The parts of a consumed message the sink reads (a subset of the Kafka client's Message). */
export interface SinkMessage {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
  key: Buffer | undefined;
  value: Buffer | undefined;
  headers: Map<string, Buffer | undefined>;
}

/** One row of the `daily` table (inserted_at is left to its DEFAULT). */
export interface DailyRow {
  country: string;
  date: string;
  cases: number;
  deaths: number;
  source: Source;
  estimated: 0 | 1;
  estimated_cases: 0 | 1;
  estimated_deaths: 0 | 1;
  /** The record's WHO region; '' when it carries none (not a WHO record). */
  region: string;
  version: number;
  run_id: number;
}

export const DAILY_COLUMNS = [
  'country',
  'date',
  'cases',
  'deaths',
  'source',
  'estimated',
  'estimated_cases',
  'estimated_deaths',
  'region',
  'version',
  'run_id',
] as const;

export type DecodeResult = { ok: true; row: DailyRow } | { ok: false; reason: string };

export const RUN_ID_HEADER = 'run-id';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
// ClickHouse `Date` is days since 1970 in a UInt16: out-of-range dates wrap silently.
const DATE_MIN = '1970-01-01';
const DATE_MAX = '2105-12-31';

/**
 * `today` bounds the record's date on the plain path (a batch passes the day it began: a stale
 * day is only stricter, and what it refuses goes to the schema, which reads the clock itself).
 */
export function decodeMessage(message: SinkMessage, today: string = utcToday(new Date())): DecodeResult {
  if (message.value === undefined || message.value.length === 0) return reject('empty-value', 'the message has no value');

  // The publisher's own shape first (record-json.ts), JSON.parse and the schema for the rest.
  const fast = readRecordBytes(message.value);
  let record: DailyRecord;
  if (fast !== undefined && isPlainValidRecord(fast, today)) {
    record = fast;
  } else {
    let json: unknown;
    try {
      json = JSON.parse(message.value.toString('utf8'));
    } catch (error) {
      return reject('not-json', (error as Error).message);
    }
    const checked = checkRecord(json, today);
    if (!checked.ok) return reject('invalid-record', checked.problems.join('; '));
    record = checked.record;
  }

  if (!isKeyOf(message.key, record)) {
    return reject('key-mismatch', `key ${JSON.stringify(text(message.key))} does not match the record's ${JSON.stringify(recordKey(record))}`);
  }

  // Limits of the ClickHouse columns: a row ClickHouse would reject (or silently wrap) must be
  // rejected here, or one message would block every batch after it.
  for (const field of ['cases', 'deaths'] as const) {
    if (record[field] < INT32_MIN || record[field] > INT32_MAX) return reject('out-of-range', `${field} ${record[field]} does not fit Int32`);
  }
  if (record.date < DATE_MIN || record.date > DATE_MAX) return reject('out-of-range', `date ${record.date} outside ${DATE_MIN}..${DATE_MAX}`);

  const runIdHeader = message.headers.get(RUN_ID_HEADER);
  const runId = parseRunId(runIdHeader);
  if (runId === undefined) return reject('bad-run-id', `header ${RUN_ID_HEADER} is not a decimal run id: ${JSON.stringify(text(runIdHeader))}`);

  const timestampMs = Number(message.timestamp);
  let version: number;
  try {
    version = recordVersion(record.source, timestampMs);
  } catch (error) {
    return reject('bad-timestamp', (error as Error).message);
  }

  return {
    ok: true,
    row: {
      country: record.country,
      date: record.date,
      cases: record.cases,
      deaths: record.deaths,
      source: record.source,
      estimated: record.estimated ? 1 : 0,
      estimated_cases: record.estimated_cases ? 1 : 0,
      estimated_deaths: record.estimated_deaths ? 1 : 0,
      region: record.region ?? '',
      version,
      run_id: runId,
    },
  };
}

/** 1 to 16 ASCII digits, a safe integer; absent: 0. */
function parseRunId(header: Buffer | undefined): number | undefined {
  if (header === undefined) return 0;
  if (header.length === 0 || header.length > 16) return undefined;
  let value = 0;
  for (const byte of header) {
    if (byte < 0x30 || byte > 0x39) return undefined;
    value = value * 10 + byte - 0x30;
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Whether the key's bytes are the record's `country:date` (without building that string). */
function isKeyOf(key: Buffer | undefined, { country, date }: DailyRecord): boolean {
  if (key?.length !== country.length + 1 + date.length) return false;
  for (let i = 0; i < country.length; i++) if (key[i] !== country.charCodeAt(i)) return false;
  if (key[country.length] !== 0x3a) return false; // ':'
  for (let i = 0, at = country.length + 1; i < date.length; i++) if (key[at + i] !== date.charCodeAt(i)) return false;
  return true;
}

/** A part of the message as text (for reasons and dead letters), null when absent. */
export function text(bytes: Buffer | undefined): string | null {
  return bytes === undefined ? null : bytes.toString('utf8');
}

function reject(code: string, detail: string): DecodeResult {
  return { ok: false, reason: `${code}: ${detail}` };
}

/**
 * The dead-letter value: what went wrong and where the original is, with the original as text.
 * The offset is a JSON number (offsets stay far below 2^53).
 */
export function deadLetterValue(message: SinkMessage, reason: string): string {
  return JSON.stringify({
    reason,
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    key: text(message.key),
    value: text(message.value),
  });
}
