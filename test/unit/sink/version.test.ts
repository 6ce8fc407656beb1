import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RANK_FACTOR, recordVersion } from '../../../src/sink/version.ts';

const t2020 = Date.UTC(2020, 11, 15);
const t2030 = Date.UTC(2030, 0, 1);

describe('recordVersion', () => {
  it('the source rank decides, whatever the publish times', () => {
    // An ecdc record published long before a who record for the same key still wins.
    assert.ok(recordVersion('ecdc', t2020) > recordVersion('who', t2030));
    assert.ok(recordVersion('who', t2020) > recordVersion('stopcoronavirus', t2030));
    assert.ok(recordVersion('ecdc', 0) > recordVersion('who', RANK_FACTOR - 1));
  });

  it('within one source a newer revision wins', () => {
    assert.ok(recordVersion('who', t2020 + 1) > recordVersion('who', t2020));
    assert.equal(recordVersion('who', t2020), recordVersion('who', t2020), 'a redelivery has the same version');
  });

  it('rank * 10^13 + timestamp, a safe integer', () => {
    assert.equal(recordVersion('ecdc', 1_700_000_000_000), 31_700_000_000_000);
    assert.equal(recordVersion('who', 1_700_000_000_000), 21_700_000_000_000);
    assert.equal(recordVersion('stopcoronavirus', 1_700_000_000_000), 11_700_000_000_000);
    assert.ok(Number.isSafeInteger(recordVersion('ecdc', RANK_FACTOR - 1)));
  });

  it('timestamps outside 0..10^13 are refused', () => {
    assert.throws(() => recordVersion('who', -1), RangeError);
    assert.throws(() => recordVersion('who', RANK_FACTOR), RangeError);
    assert.throws(() => recordVersion('who', 1.5), RangeError);
  });
});
