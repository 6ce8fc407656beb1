import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldInterner } from '../../../src/pipeline/sources/field-interner.ts';

test('the same characters give the same string, whatever text they are in; different ones differ', () => {
  const interner = new FieldInterner();
  const a = interner.get('2020-01-03,RU,EURO', 11, 13);
  assert.equal(a, 'RU');
  assert.equal(interner.get('x,RU', 2, 4), 'RU');
  assert.equal(interner.get('RUS', 0, 2), 'RU');
  assert.equal(interner.get('RUS', 0, 3), 'RUS');
  assert.equal(interner.get('Côte', 0, 4), 'Côte');
  assert.equal(interner.get('', 0, 0), '');
  const long = 'x'.repeat(100);
  assert.equal(interner.get(long, 0, 100), long); // too long to keep: sliced
});

test('a table full of distinct values still answers each value right', () => {
  const interner = new FieldInterner();
  for (let i = 0; i < 50_000; i++) {
    const text = `v${i},`;
    assert.equal(interner.get(text, 0, text.length - 1), `v${i}`);
  }
  assert.equal(interner.get('v7', 0, 2), 'v7');
});
