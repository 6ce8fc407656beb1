import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';
import { CountryPartitions } from '../../../src/pipeline/country-partitions.ts';

test('a country always maps to the same partition, in range, whichever instance asks', () => {
  const first = new CountryPartitions(3);
  const second = new CountryPartitions(3);
  for (const country of COUNTRY_CODES) {
    const partition = first.partition(country);
    assert.ok(Number.isInteger(partition) && partition >= 0 && partition < 3, `${country} -> ${partition}`);
    assert.equal(first.partition(country), partition);
    assert.equal(second.partition(country), partition);
  }
});

test('the known countries spread over every partition, none taking more than twice its share', () => {
  for (const count of [2, 3, 6]) {
    const partitions = new CountryPartitions(count);
    const sizes = new Array<number>(count).fill(0);
    for (const country of COUNTRY_CODES) sizes[partitions.partition(country)]!++;
    const share = COUNTRY_CODES.size / count;
    assert.ok(sizes.every((size) => size > 0 && size < 2 * share), `${count} partitions: ${sizes.join(', ')}`);
  }
});

test('a partition count that is not a positive integer is refused', () => {
  for (const count of [0, -1, 1.5, Number.NaN]) assert.throws(() => new CountryPartitions(count), RangeError);
  assert.equal(new CountryPartitions(1).partition('RU'), 0);
});
