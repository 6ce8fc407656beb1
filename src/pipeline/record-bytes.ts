// A published record's Kafka key and JSON value written as bytes, a send's messages into shared
// slabs with a view per key and value, instead of two strings per record built from a dozen
// pieces and encoded by the client: in the historical load's publish phase these strings were
// ≈ 0.3 GB of the worker's garbage. The bytes are exactly those of recordKey and recordJson
// (domain/record.ts) in UTF-8; test/unit/pipeline/record-bytes.test.ts holds them together.
import { RECORD_JSON_PIECES as PIECES, type DailyRecord } from '../domain/record.ts';
import { INTEGER_MAX_BYTES, writeAscii, writeInteger } from './ascii-bytes.ts';

/** The fixed bytes of a value: every piece above, three booleans at their longest, the closing `"}`. */
const FIXED = PIECES.country.length + PIECES.date.length + PIECES.cases.length + PIECES.deaths.length + PIECES.source.length + PIECES.estimated.length + PIECES.estimatedCases.length + PIECES.estimatedDeaths.length + PIECES.region.length + 3 * PIECES.false.length + 2;

function put(bytes: Uint8Array, at: number, part: Uint8Array): number {
  bytes.set(part, at);
  return at + part.length;
}

const putBoolean = (bytes: Uint8Array, at: number, value: boolean) => put(bytes, at, value ? PIECES.true : PIECES.false);

/** Room the key and value of a record take at most. */
export function recordBytesMax(r: DailyRecord): number {
  const text = r.country.length + r.date.length + r.source.length + (r.region?.length ?? 0);
  return FIXED + 2 * INTEGER_MAX_BYTES + text + r.country.length + 1 + r.date.length;
}

/** `country:date` at `at`; returns where it ends. */
export function writeRecordKey(r: DailyRecord, bytes: Uint8Array, at: number): number {
  at = writeAscii(r.country, bytes, at);
  bytes[at++] = 0x3a; // ':'
  return writeAscii(r.date, bytes, at);
}

/** recordJson's text at `at` (only for records that passed checkRecord); returns where it ends. */
export function writeRecordJson(r: DailyRecord, bytes: Uint8Array, at: number): number {
  at = writeAscii(r.country, bytes, put(bytes, at, PIECES.country));
  at = writeAscii(r.date, bytes, put(bytes, at, PIECES.date));
  at = writeInteger(r.cases, bytes, put(bytes, at, PIECES.cases));
  at = writeInteger(r.deaths, bytes, put(bytes, at, PIECES.deaths));
  at = writeAscii(r.source, bytes, put(bytes, at, PIECES.source));
  at = putBoolean(bytes, put(bytes, at, PIECES.estimated), r.estimated);
  at = putBoolean(bytes, put(bytes, at, PIECES.estimatedCases), r.estimated_cases);
  at = putBoolean(bytes, put(bytes, at, PIECES.estimatedDeaths), r.estimated_deaths);
  if (r.region !== undefined) {
    at = writeAscii(r.region, bytes, put(bytes, at, PIECES.region));
    bytes[at++] = 0x22; // '"'
  }
  bytes[at++] = 0x7d; // '}'
  return at;
}

/** Slabs of this size: a send of 500 records takes two or three. */
const SLAB_BYTES = 64 * 1024;

/**
 * Keys and values of records, written one after the other into a slab and handed out as views
 * of it; a new slab when the next record might not fit. A slab lives as long as a view of it.
 */
export class RecordSlabs {
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #at = 0;

  /** The record's key and value (see writeRecordKey, writeRecordJson). */
  write(r: DailyRecord): { key: Buffer; value: Buffer } {
    const room = recordBytesMax(r);
    if (this.#at + room > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, room));
      this.#at = 0;
    }
    const slab = this.#slab;
    const start = this.#at;
    const keyEnd = writeRecordKey(r, slab, start);
    const end = writeRecordJson(r, slab, keyEnd);
    this.#at = end;
    return { key: slab.subarray(start, keyEnd), value: slab.subarray(keyEnd, end) };
  }
}
