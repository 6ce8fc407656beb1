// Turns one Kafka message into a ClickHouse row, or into the reason it cannot be one.
// Pure: no I/O, so every rule of the message contract is unit-tested here.
//
// Contract (the pipeline publisher follows it): key `country:date`, value the JSON of a
// DailyRecord, header `run-id` the decimal run id (absent means 0), and the Kafka timestamp the
// publish time in ms, from which the row's version is derived (version.ts).
import { utcToday } from '../domain/dates.ts';
import { checkRecord, recordKey } from '../domain/record.ts';
import { recordVersion, type Source } from './version.ts';

/** The parts of a consumed message the sink reads (a subset of the Kafka client's Message). */
export interface SinkMessage {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
  key: string | undefined;
  value: string | undefined;
  headers: Map<string, string>;
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
  if (message.value === undefined || message.value === '') return reject('empty-value', 'the message has no value');

  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch (error) {
    return reject('not-json', (error as Error).message);
  }

  const checked = checkRecord(json, today);
  if (!checked.ok) return reject('invalid-record', checked.problems.join('; '));
  const { record } = checked;

  const expectedKey = recordKey(record);
  if (message.key !== expectedKey) {
    return reject('key-mismatch', `key ${JSON.stringify(message.key ?? null)} does not match the record's ${JSON.stringify(expectedKey)}`);
  }

  // Limits of the ClickHouse columns: a row ClickHouse would reject (or silently wrap) must be
  // rejected here, or one message would block every batch after it.
  for (const field of ['cases', 'deaths'] as const) {
    if (record[field] < INT32_MIN || record[field] > INT32_MAX) return reject('out-of-range', `${field} ${record[field]} does not fit Int32`);
  }
  if (record.date < DATE_MIN || record.date > DATE_MAX) return reject('out-of-range', `date ${record.date} outside ${DATE_MIN}..${DATE_MAX}`);

  const runId = parseRunId(message.headers.get(RUN_ID_HEADER));
  if (runId === undefined) return reject('bad-run-id', `header ${RUN_ID_HEADER} is not a decimal run id: ${JSON.stringify(message.headers.get(RUN_ID_HEADER))}`);

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

function parseRunId(header: string | undefined): number | undefined {
  if (header === undefined) return 0;
  if (!/^\d{1,16}$/.test(header)) return undefined;
  const value = Number(header);
  return Number.isSafeInteger(value) ? value : undefined;
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
    key: message.key ?? null,
    value: message.value ?? null,
  });
}
