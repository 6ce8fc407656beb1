// The one record the whole system moves: a country's new cases and deaths on one day, from one
// source. The pipeline validates every record with this schema before it is published, and the
// sink validates every Kafka message with it again, so both ends agree on the contract.
import { z } from 'zod';
import { isKnownCountry } from './countries.ts';
import { EARLIEST_DATE, parseIsoDate, utcToday } from './dates.ts';
import { RECORD_REGIONS, type RecordRegion } from './regions.ts';

export const SOURCE_NAMES = ['ecdc', 'who', 'stopcoronavirus'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface DailyRecord {
  /** ISO 3166-1 alpha-2, upper case (XK for Kosovo). */
  country: string;
  /** YYYY-MM-DD. */
  date: string;
  /** New cases that day; negative values are the source's corrections and are kept. */
  cases: number;
  deaths: number;
  source: SourceName;
  /** True when a value was filled or spread rather than reported for that very day. */
  estimated: boolean;
  /** Which count that was: `estimated` is exactly `estimated_cases || estimated_deaths`. */
  estimated_cases: boolean;
  estimated_deaths: boolean;
  /**
   * The country's WHO region as the WHO file gives it last (`OTHER`: none). Only WHO records
   * carry it; the store takes a country's region from its latest row that has one.
   */
  region?: RecordRegion;
}

/**
 * A schema whose "today" comes from the given clock (tests pin it; production uses now).
 * Records published before the per-count flags existed carry `estimated` alone; they read as
 * both counts estimated (what that flag claimed), so messages still in Kafka stay valid.
 */
export function makeDailyRecordSchema(now: () => Date = () => new Date()) {
  return z
    .strictObject({
      country: z
        .string()
        .regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 code')
        .refine(isKnownCountry, 'is not a known country code'),
      date: z
        .string()
        .refine((s) => parseIsoDate(s) !== null, 'must be a real YYYY-MM-DD date')
        .refine((s) => s >= EARLIEST_DATE && s <= utcToday(now()), `must be within ${EARLIEST_DATE}..today`),
      cases: z.int(),
      deaths: z.int(),
      source: z.enum(SOURCE_NAMES),
      estimated: z.boolean(),
      estimated_cases: z.boolean().optional(),
      estimated_deaths: z.boolean().optional(),
      region: z.enum(RECORD_REGIONS).optional(),
    })
    .refine((r) => (r.estimated_cases === undefined) === (r.estimated_deaths === undefined), {
      error: 'estimated_cases and estimated_deaths come together (or neither, in records older than them)',
      path: ['estimated_cases'],
    })
    .transform(
      (r): DailyRecord => ({ ...r, estimated_cases: r.estimated_cases ?? r.estimated, estimated_deaths: r.estimated_deaths ?? r.estimated }),
    )
    .refine((r) => r.estimated === (r.estimated_cases || r.estimated_deaths), {
      error: 'estimated must be true exactly when estimated_cases or estimated_deaths is',
      path: ['estimated'],
    });
}

export const dailyRecordSchema = makeDailyRecordSchema();

const RECORD_KEY_SET: ReadonlySet<string> = new Set(['country', 'date', 'cases', 'deaths', 'source', 'estimated', 'estimated_cases', 'estimated_deaths', 'region']);
const SOURCE_SET: ReadonlySet<unknown> = new Set(SOURCE_NAMES);
const REGION_SET: ReadonlySet<unknown> = new Set(RECORD_REGIONS);

/**
 * The schema's answer for the records the pipeline makes, without zod: the pipeline checks every
 * record it publishes, 250,000 in a full load. True only for a record the schema accepts
 * unchanged (today = `today`, both per-count flags present); anything else (a legacy record
 * without the flags, any doubt) is false, and the caller asks the schema, which also says why.
 * A unit test holds the two together.
 */
export function isPlainValidRecord(r: DailyRecord, today: string): boolean {
  for (const key in r) if (!RECORD_KEY_SET.has(key)) return false;
  return (
    typeof r.country === 'string' &&
    r.country.length === 2 &&
    isKnownCountry(r.country) &&
    typeof r.date === 'string' &&
    r.date >= EARLIEST_DATE &&
    r.date <= today &&
    parseIsoDate(r.date) !== null &&
    Number.isSafeInteger(r.cases) &&
    Number.isSafeInteger(r.deaths) &&
    SOURCE_SET.has(r.source) &&
    typeof r.estimated_cases === 'boolean' &&
    typeof r.estimated_deaths === 'boolean' &&
    r.estimated === (r.estimated_cases || r.estimated_deaths) &&
    (r.region === undefined || REGION_SET.has(r.region))
  );
}

/** A record checked at a boundary: the record the schema gives, or why it is not one. */
export type RecordCheck = { ok: true; record: DailyRecord } | { ok: false; problems: string[] };

/**
 * The check every boundary runs (the publisher before Kafka, the sink after it): the plain check
 * for the records the pipeline makes (a fraction of zod's cost; what it accepts the schema accepts
 * unchanged), the schema for anything else (a legacy record, a bad one), which also says why.
 */
export function checkRecord(value: unknown, today: string): RecordCheck {
  if (typeof value === 'object' && value !== null && isPlainValidRecord(value as DailyRecord, today)) return { ok: true, record: value as DailyRecord };
  const parsed = dailyRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`) };
}

/**
 * A valid record's JSON exactly as JSON.stringify writes the schema's output (its fields in the
 * schema's order, an absent region left out), written directly: every string of a valid record
 * (code, date, source, region) is plain ASCII that JSON needs no escape for, and the counts are
 * safe integers. Only for records that passed the schema or isPlainValidRecord.
 */
export function recordJson(r: DailyRecord): string {
  const region = r.region === undefined ? '' : `,"region":"${r.region}"`;
  return `{"country":"${r.country}","date":"${r.date}","cases":${r.cases},"deaths":${r.deaths},"source":"${r.source}","estimated":${r.estimated},"estimated_cases":${r.estimated_cases},"estimated_deaths":${r.estimated_deaths}${region}}`;
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/**
 * recordJson's fixed text as bytes, in the order it writes it: for the publisher, which writes
 * records straight into byte slabs (pipeline/record-bytes.ts), and the sink, which reads them back
 * by position (sink/record-json.ts). The field names are written in one place, here.
 */
export const RECORD_JSON_PIECES = {
  country: ascii('{"country":"'),
  date: ascii('","date":"'),
  cases: ascii('","cases":'),
  deaths: ascii(',"deaths":'),
  source: ascii(',"source":"'),
  estimated: ascii('","estimated":'),
  estimatedCases: ascii(',"estimated_cases":'),
  estimatedDeaths: ascii(',"estimated_deaths":'),
  region: ascii(',"region":"'),
  true: ascii('true'),
  false: ascii('false'),
} as const;

/** The Kafka key and the identity of a row in ClickHouse. */
export function recordKey(r: Pick<DailyRecord, 'country' | 'date'>): string {
  return `${r.country}:${r.date}`;
}
