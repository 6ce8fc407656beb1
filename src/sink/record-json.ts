// The sink's fast path for a message value: the publisher writes every record with recordJson
// (domain/record.ts), one fixed shape of plain ASCII with no whitespace and no escapes, so that
// shape is read here from the message's bytes by position, without decoding them into a string,
// JSON.parse's generic object, or a new string per field: a country, a source and a region come
// from their closed sets, and a date from a cache of the dates seen (each a real calendar date,
// at most ~50,000 of them from 1970 to 2105). Anything else (another field order, whitespace, an
// escape, a fraction, a legacy record without the per-count flags, an unknown code, an impossible
// date) is not read here: the caller falls back to JSON.parse and the schema, which also say why.
//
// Pure but for the date cache. What it returns is exactly what JSON.parse returns for the same
// text (a unit test holds them together on every shape the schema allows); whether the record is
// valid (its date within range, its flags consistent) is still the caller's check.
import { COUNTRY_CODES } from '../domain/countries.ts';
import { parseIsoDate } from '../domain/dates.ts';
import { RECORD_JSON_PIECES as PIECES, SOURCE_NAMES, type DailyRecord } from '../domain/record.ts';
import { RECORD_REGIONS } from '../domain/regions.ts';

const HYPHEN = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
/** 15 digits at most: every such integer is safe (the Int32 check comes later). */
const MAX_DIGITS = 15;


/** Known country codes by their two letters ((first - 'A') * 26 + second - 'A'). */
const COUNTRIES: (string | undefined)[] = new Array<string | undefined>(26 * 26);
for (const code of COUNTRY_CODES) if (/^[A-Z]{2}$/.test(code)) COUNTRIES[(code.charCodeAt(0) - UPPER_A) * 26 + code.charCodeAt(1) - UPPER_A] = code;
/** A closed set's names as the bytes of the name and its closing quote. */
const quoted = (name: string) => Uint8Array.from(`${name}"`, (c) => c.charCodeAt(0));
const SOURCES = SOURCE_NAMES.map((name) => ({ name, bytes: quoted(name) }));
const REGIONS = RECORD_REGIONS.map((name) => ({ name, bytes: quoted(name) }));
const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
/** Real calendar dates seen, by YYYYMMDD. */
const DATES = new Map<number, string>();

/** The record `bytes` hold if they have exactly recordJson's shape, else undefined. */
export function readRecordBytes(bytes: Uint8Array): DailyRecord | undefined {
  let at = PIECES.country.length;
  if (!matches(bytes, 0, PIECES.country)) return undefined;
  const country = countryAt(bytes, at);
  at += 2;
  if (country === undefined || !matches(bytes, at, PIECES.date)) return undefined;
  at += PIECES.date.length;
  const date = dateAt(bytes, at);
  at += 10;
  if (date === undefined || !matches(bytes, at, PIECES.cases)) return undefined;
  at += PIECES.cases.length;
  const cases = integerAt(bytes, at);
  if (cases === undefined) return undefined;
  at = integerEnd;
  if (!matches(bytes, at, PIECES.deaths)) return undefined;
  at += PIECES.deaths.length;
  const deaths = integerAt(bytes, at);
  if (deaths === undefined) return undefined;
  at = integerEnd;
  if (!matches(bytes, at, PIECES.source)) return undefined;
  at += PIECES.source.length;
  const source = SOURCES.find((s) => matches(bytes, at, s.bytes));
  if (source === undefined) return undefined;
  at += source.bytes.length - 1; // the closing quote is PIECES.estimated's first byte
  if (!matches(bytes, at, PIECES.estimated)) return undefined;
  at += PIECES.estimated.length;
  const estimated = booleanAt(bytes, at);
  if (estimated === undefined) return undefined;
  at += estimated ? PIECES.true.length : PIECES.false.length;
  if (!matches(bytes, at, PIECES.estimatedCases)) return undefined;
  at += PIECES.estimatedCases.length;
  const estimatedCases = booleanAt(bytes, at);
  if (estimatedCases === undefined) return undefined;
  at += estimatedCases ? PIECES.true.length : PIECES.false.length;
  if (!matches(bytes, at, PIECES.estimatedDeaths)) return undefined;
  at += PIECES.estimatedDeaths.length;
  const estimatedDeaths = booleanAt(bytes, at);
  if (estimatedDeaths === undefined) return undefined;
  at += estimatedDeaths ? PIECES.true.length : PIECES.false.length;
  const record: DailyRecord = {
    country,
    date,
    cases,
    deaths,
    source: source.name,
    estimated,
    estimated_cases: estimatedCases,
    estimated_deaths: estimatedDeaths,
  };
  if (matches(bytes, at, PIECES.region)) {
    at += PIECES.region.length;
    const region = REGIONS.find((r) => matches(bytes, at, r.bytes));
    if (region === undefined) return undefined;
    record.region = region.name;
    at += region.bytes.length;
  }
  return at === bytes.length - 1 && bytes[at] === 0x7d ? record : undefined; // 0x7d: '}'
}

function matches(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

function countryAt(bytes: Uint8Array, at: number): string | undefined {
  const first = bytes[at] ?? 0;
  const second = bytes[at + 1] ?? 0;
  if (first < UPPER_A || first > UPPER_Z || second < UPPER_A || second > UPPER_Z) return undefined;
  return COUNTRIES[(first - UPPER_A) * 26 + second - UPPER_A];
}

/** `YYYY-MM-DD` that is a real calendar date, as one shared string. */
function dateAt(bytes: Uint8Array, at: number): string | undefined {
  if (at + 10 > bytes.length || bytes[at + 4] !== HYPHEN || bytes[at + 7] !== HYPHEN) return undefined;
  let key = 0;
  for (const i of DATE_DIGITS) {
    const c = bytes[at + i]!;
    if (c < ZERO || c > NINE) return undefined;
    key = key * 10 + c - ZERO;
  }
  let date = DATES.get(key);
  if (date === undefined) {
    const text = String.fromCharCode(...bytes.subarray(at, at + 10));
    if (parseIsoDate(text) === null) return undefined;
    date = text;
    DATES.set(key, date);
  }
  return date;
}

/** Where the last integer read ended (a variable, not a result object per number). */
let integerEnd = 0;

/** `-?(0|[1-9][0-9]*)`, at most MAX_DIGITS digits; "-0" is left to JSON.parse. */
function integerAt(bytes: Uint8Array, at: number): number | undefined {
  let i = at;
  const negative = bytes[i] === HYPHEN;
  if (negative) i++;
  const first = i;
  let value = 0;
  for (; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < ZERO || c > NINE) break;
    value = value * 10 + c - ZERO;
  }
  const digits = i - first;
  if (digits === 0 || digits > MAX_DIGITS) return undefined;
  if (bytes[first] === ZERO && (digits > 1 || negative)) return undefined;
  integerEnd = i;
  return negative ? -value : value;
}

function booleanAt(bytes: Uint8Array, at: number): boolean | undefined {
  if (matches(bytes, at, PIECES.true)) return true;
  if (matches(bytes, at, PIECES.false)) return false;
  return undefined;
}
