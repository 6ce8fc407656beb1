import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecdcDate } from '../../../src/pipeline/sources/ecdc.ts';
import { parseCount } from '../../../src/pipeline/sources/values.ts';

test('parseCount: plain digits, signs, spaces, empty, garbage and out-of-range cells', () => {
  const cases: [string, ReturnType<typeof parseCount>][] = [
    ['0', { ok: true, value: 0 }],
    ['007', { ok: true, value: 7 }],
    ['123456789012345', { ok: true, value: 123_456_789_012_345 }], // 15 digits: the plain path's longest
    ['9007199254740991', { ok: true, value: 9_007_199_254_740_991 }], // 16 digits: through the RegExp
    ['9007199254740992', { ok: false, reason: 'cases is out of range: "9007199254740992"' }],
    ['-5', { ok: true, value: -5 }],
    ['-0', { ok: true, value: 0 }],
    [' 12 ', { ok: true, value: 12 }],
    ['', { ok: true, value: null }],
    ['  ', { ok: true, value: null }],
    ['1.5', { ok: false, reason: 'cases is not an integer: "1.5"' }],
    ['1e3', { ok: false, reason: 'cases is not an integer: "1e3"' }],
    ['+3', { ok: false, reason: 'cases is not an integer: "+3"' }],
    ['NA', { ok: false, reason: 'cases is not an integer: "NA"' }],
    ['١٢', { ok: false, reason: 'cases is not an integer: "١٢"' }], // Arabic-Indic digits are not ASCII digits
    ['12\uFFFD', { ok: false, reason: 'cases is not an integer: "12\uFFFD"' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseCount('cases', text), expected, JSON.stringify(text));
});

test('ecdcDate gives the same answer every time it is asked, remembered or not, and cells cannot collide', () => {
  const rows: [string, string, string, string][] = [
    ['14/12/2020', '14', '12', '2020'],
    ['12/14/2020', '14', '12', '2020'],
    ['14/12/2020', '13', '12', '2020'],
    ['30/02/2021', '30', '2', '2021'],
    ['1|2', '3', '4', '2020'],
    ['1', '2|3', '4', '2020'],
  ];
  const first = rows.map((r) => ecdcDate(...r));
  assert.deepEqual(first[0], { ok: true, value: '2020-12-14' });
  assert.deepEqual(first[1], { ok: true, value: '2020-12-14' });
  assert.equal(first[2]!.ok, false);
  assert.equal(first[3]!.ok, false);
  assert.notDeepEqual(first[4], first[5]);
  // Past the number of answers kept: still right.
  for (let i = 0; i < 5_000; i++) assert.equal(ecdcDate(`${i}/1/2020`, '1', '1', '2020').ok, i === 1);
  assert.deepEqual(rows.map((r) => ecdcDate(...r)), first);
});
