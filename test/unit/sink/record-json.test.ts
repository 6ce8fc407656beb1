// The sink's fast reader of the publisher's record shape, held against JSON.parse: on every
// shape the schema allows it reads what JSON.parse reads, it leaves everything else to
// JSON.parse (undefined), and whatever it reads from a mutated text is what JSON.parse reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';
import { recordJson, SOURCE_NAMES, type DailyRecord } from '../../../src/domain/record.ts';
import { RECORD_REGIONS } from '../../../src/domain/regions.ts';
import { decodeMessage } from '../../../src/sink/decode.ts';
import { readRecordBytes } from '../../../src/sink/record-json.ts';
import { message, record } from './messages.ts';

const read = (text: string) => readRecordBytes(Buffer.from(text));

/** Every source, every region and none, every flag combination the schema allows, counts at their edges. */
function validRecords(): DailyRecord[] {
  const records: DailyRecord[] = [];
  const flags = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;
  const counts = [0, 1, -1, 9, 10, -10, 2_147_483_647, -2_147_483_648, 999_999_999_999_999, -999_999_999_999_999];
  let i = 0;
  for (const source of SOURCE_NAMES) {
    for (const region of [undefined, ...RECORD_REGIONS]) {
      for (const [estimatedCases, estimatedDeaths] of flags) {
        const r: DailyRecord = {
          country: [...COUNTRY_CODES][i % COUNTRY_CODES.size]!,
          date: ['2020-01-01', '2020-02-29', '2021-12-31', '2023-06-07'][i % 4]!,
          cases: counts[i % counts.length]!,
          deaths: counts[(i + 3) % counts.length]!,
          source,
          estimated: estimatedCases || estimatedDeaths,
          estimated_cases: estimatedCases,
          estimated_deaths: estimatedDeaths,
          ...(region === undefined ? {} : { region }),
        };
        records.push(r);
        i++;
      }
    }
  }
  return records;
}

describe('readRecordBytes', () => {
  it("reads every record shape the publisher writes exactly as JSON.parse does", () => {
    const records = validRecords();
    assert.ok(records.length >= 90);
    for (const r of records) {
      const text = recordJson(r);
      assert.deepEqual(read(text), JSON.parse(text), text);
    }
  });

  it('reads every known country code', () => {
    for (const country of COUNTRY_CODES) assert.equal(read(recordJson(record({ country })))?.country, country);
  });

  it('leaves every other shape to JSON.parse', () => {
    const base = recordJson(record());
    const others = [
      base.replace(',"date"', ', "date"'), // whitespace
      ` ${base}`,
      `${base}\n`,
      JSON.stringify({ date: '2021-03-01', country: 'RU', cases: 1, deaths: 0, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false }), // order
      JSON.stringify({ country: 'RU', date: '2021-03-01', cases: 1, deaths: 0, source: 'who', estimated: false }), // legacy, no per-count flags
      base.replace('"RU"', '"\\u0052U"'), // an escape
      base.replace('"cases":11000', '"cases":11000.0'),
      base.replace('"cases":11000', '"cases":1.1e4'),
      base.replace('"cases":11000', '"cases":-0'),
      base.replace('"cases":11000', '"cases":011000'),
      base.replace('"cases":11000', '"cases":1234567890123456'), // 16 digits
      base.replace('"cases":11000', '"cases":"11000"'),
      base.replace('"cases":11000', '"cases":-'),
      base.replace('"RU"', '"QQ"'), // not a country
      base.replace('"RU"', '"ru"'),
      base.replace('"RU"', '"RUS"'),
      base.replace('2021-03-01', '2021-02-29'), // not a date
      base.replace('2021-03-01', '2021-3-01'),
      base.replace('"who"', '"WHO"'),
      base.replace('"who"', '"whom"'),
      base.replace(':false,', ':0,'),
      base.replace('}', ',"region":"EURO"}'),
      base.replace('}', ',"region":"EUR","extra":1}'),
      base.replace('}', ',"extra":1}'),
      base.replace('}', ',"region":null}'),
      `${base}}`,
      base.slice(0, -1),
      base.slice(0, 40),
      '',
      '{}',
    ];
    for (const text of others) assert.equal(read(text), undefined, text);
  });

  it('whatever it reads from a mutated record is what JSON.parse reads from it', () => {
    // A deterministic generator: byte changes, deletions and insertions at every position.
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    const alphabet = '{}[]",:-.0123456789 eEtruefalsnAZRUwhoecdcEURregion\\';
    const texts = validRecords().map(recordJson);
    let read_ = 0;
    for (let n = 0; n < 20_000; n++) {
      const text = texts[next() % texts.length]!;
      const at = next() % (text.length + 1);
      const c = alphabet[next() % alphabet.length]!;
      const kind = next() % 3;
      const mutated = kind === 0 ? text.slice(0, at) + c + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + c + text.slice(at);
      const fast = read(mutated);
      if (fast === undefined) continue;
      read_++;
      assert.deepEqual(fast, JSON.parse(mutated), mutated);
    }
    assert.ok(read_ > 300, `the mutations include texts it reads (${read_})`);
  });
});

describe('decodeMessage, fast path and fallback', () => {
  it('a record in another shape than the publisher\'s decodes to the same row', () => {
    const r = record({ region: 'EUR', estimated: true, estimated_cases: true });
    const fast = decodeMessage(message({ record: r }), '2026-11-27');
    const spaced = decodeMessage(message({ value: JSON.stringify(r, null, 2), key: 'RU:2021-03-01' }), '2026-11-27');
    assert.ok(fast.ok && spaced.ok);
    assert.deepEqual(spaced.row, fast.row);
  });

  it('a record the reader reads but the plain check refuses is judged by the schema', () => {
    const future = record({ date: '2026-11-28' });
    assert.notEqual(read(recordJson(future)), undefined, 'the shape is the publisher\'s');
    const result = decodeMessage(message({ record: future }), '2026-11-27');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /^invalid-record: date: must be within/);
  });
});
