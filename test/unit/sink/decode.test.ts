import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterValue, decodeMessage } from '../../../src/sink/decode.ts';
import { recordVersion } from '../../../src/sink/version.ts';
import { message, PUBLISHED_AT, record } from './messages.ts';

function reasonOf(result: ReturnType<typeof decodeMessage>): string {
  assert.equal(result.ok, false);
  return result.ok ? '' : result.reason;
}

describe('decodeMessage', () => {
  it('a valid message becomes a row with its version and run id', () => {
    const result = decodeMessage(message({ record: record({ estimated: true, estimated_cases: false, estimated_deaths: true, cases: -3 }) }));
    assert.deepEqual(result, {
      ok: true,
      row: {
        country: 'RU',
        date: '2021-03-01',
        cases: -3,
        deaths: 400,
        source: 'who',
        estimated: 1,
        estimated_cases: 0,
        estimated_deaths: 1,
        region: '',
        version: recordVersion('who', PUBLISHED_AT),
        run_id: 42,
      },
    });
  });

  it('a missing run-id header means run 0', () => {
    const result = decodeMessage(message({ headers: new Map() }));
    assert.ok(result.ok);
    assert.equal(result.row.run_id, 0);
    assert.equal(result.row.estimated, 0);
  });

  it('a WHO record carries its region into the row', () => {
    const result = decodeMessage(message({ record: record({ region: 'EUR' }) }));
    assert.ok(result.ok);
    assert.equal(result.row.region, 'EUR');
    assert.match(reasonOf(decodeMessage(message({ record: { ...record(), region: 'EURO' } }))), /^invalid-record: region: /);
  });

  it('not JSON', () => {
    assert.match(reasonOf(decodeMessage(message({ value: '{"country":' }))), /^not-json: /);
    assert.match(reasonOf(decodeMessage(message({ value: undefined }))), /^empty-value: /);
  });

  it('fails the schema: an impossible date, an extra field, a wrong type, an unknown source', () => {
    assert.match(reasonOf(decodeMessage(message({ record: record({ date: '2021-02-30' }) }))), /^invalid-record: date: /);
    assert.match(reasonOf(decodeMessage(message({ record: { ...record(), comment: 'x' } }))), /^invalid-record: .*comment/);
    assert.match(reasonOf(decodeMessage(message({ record: { ...record(), cases: '5' } }))), /^invalid-record: cases: /);
    assert.match(reasonOf(decodeMessage(message({ record: { ...record(), source: 'jhu' } }))), /^invalid-record: source: /);
    assert.match(reasonOf(decodeMessage(message({ record: [1, 2] }))), /^invalid-record: /);
  });

  it('the plain path and the schema give the same row; what the plain check refuses, the schema decides', () => {
    const legacy = { country: 'DE', date: '2020-05-01', cases: 3, deaths: 0, source: 'ecdc', estimated: true };
    const cases: unknown[] = [record(), record({ region: 'EUR', estimated: true, estimated_cases: true, estimated_deaths: false }), legacy];
    for (const value of cases) {
      const fast = decodeMessage(message({ record: value }));
      // A "today" before every date sends each record to the schema.
      const viaSchema = decodeMessage(message({ record: value }), '2000-01-01');
      assert.ok(fast.ok && viaSchema.ok, JSON.stringify(value));
      assert.deepEqual(fast, viaSchema);
    }
    const legacyRow = decodeMessage(message({ record: legacy }));
    assert.ok(legacyRow.ok);
    assert.deepEqual([legacyRow.row.estimated_cases, legacyRow.row.estimated_deaths], [1, 1]);
    // A record dated after the clock's today is refused by both paths.
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    assert.match(reasonOf(decodeMessage(message({ record: record({ date: future }) }))), /^invalid-record: date: /);
    assert.match(reasonOf(decodeMessage(message({ value: 'null' }))), /^invalid-record: /);
  });

  it('the key must be the record country:date', () => {
    assert.match(reasonOf(decodeMessage(message({ key: 'RU:2021-03-02' }))), /^key-mismatch: key "RU:2021-03-02" does not match the record's "RU:2021-03-01"/);
    assert.match(reasonOf(decodeMessage(message({ key: undefined }))), /^key-mismatch: key null/);
  });

  it('values that do not fit the ClickHouse columns are rejected, not wrapped', () => {
    assert.match(reasonOf(decodeMessage(message({ record: record({ cases: 2 ** 31 }) }))), /^out-of-range: cases/);
    assert.match(reasonOf(decodeMessage(message({ record: record({ deaths: -(2 ** 31) - 1 }) }))), /^out-of-range: deaths/);
  });

  it('a malformed run-id header or timestamp is rejected', () => {
    assert.match(reasonOf(decodeMessage(message({ headers: new Map([['run-id', 'abc']]) }))), /^bad-run-id: /);
    assert.match(reasonOf(decodeMessage(message({ headers: new Map([['run-id', '-1']]) }))), /^bad-run-id: /);
    assert.match(reasonOf(decodeMessage(message({ timestamp: -1n }))), /^bad-timestamp: /);
  });

  it('the dead letter keeps the original as text and says where it came from', () => {
    const original = message({ partition: 2, offset: 17n, value: 'garbage', key: 'RU:2021-03-01' });
    assert.deepEqual(JSON.parse(deadLetterValue(original, 'not-json: x')), {
      reason: 'not-json: x',
      topic: 'covid.daily',
      partition: 2,
      offset: 17,
      key: 'RU:2021-03-01',
      value: 'garbage',
    });
  });
});
