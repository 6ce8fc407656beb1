import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeVersions, encodeVersions } from '../../../src/platform/data-announcements.ts';

void describe('data announcement payloads', () => {
  void it('round-trip, with versions beyond 2^53', () => {
    const versions = new Map([
      ['RU', 1n],
      ['BR', 9_007_199_254_740_993n],
    ]);
    assert.equal(encodeVersions(versions), 'RU:1,BR:9007199254740993');
    assert.deepEqual(decodeVersions(encodeVersions(versions)), versions);
  });

  void it('leave out entries that do not parse', () => {
    assert.deepEqual(decodeVersions('RU:1,ru:2,XYZ:3,BR:,DE:-1,FR:2'), new Map([['RU', 1n], ['FR', 2n]]));
    assert.deepEqual(decodeVersions(''), new Map());
  });
});
