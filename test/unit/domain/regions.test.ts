import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memberRegion, parsePlace, recordRegion } from '../../../src/domain/regions.ts';

test('a place is WORLD or a WHO region, old codes and any case accepted', () => {
  assert.equal(parsePlace('WORLD'), 'WORLD');
  assert.equal(parsePlace('world'), 'WORLD');
  assert.equal(parsePlace('eur'), 'EUR');
  assert.equal(parsePlace('EURO'), 'EUR');
  assert.equal(parsePlace('searo'), 'SEAR');
  assert.equal(parsePlace('WPRO'), 'WPR');
  for (const notAPlace of ['RU', 'OTHER', 'EU', 'EURO1', '', 'AFRICA']) assert.equal(parsePlace(notAPlace), null, notAPlace);
});

test("a WHO file's region cell: old and new codes are one region, anything else is OTHER", () => {
  assert.equal(recordRegion('EURO'), 'EUR');
  assert.equal(recordRegion('EUR'), 'EUR');
  assert.equal(recordRegion(' amro '), 'AMR');
  assert.equal(recordRegion('Other'), 'OTHER');
  assert.equal(recordRegion('OTHER'), 'OTHER');
  assert.equal(recordRegion(''), 'OTHER');
  assert.equal(recordRegion('XYZ'), 'OTHER');
});

test('only a WHO region makes a member; OTHER and no region count for the world alone', () => {
  assert.equal(memberRegion('EUR'), 'EUR');
  assert.equal(memberRegion('OTHER'), null);
  assert.equal(memberRegion(''), null);
});
