import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCode, COUNTRY_CODES, isKnownCountry } from '../../../src/domain/countries.ts';

test('the list has the 249 ISO 3166-1 codes plus XK', () => {
  assert.equal(COUNTRY_CODES.size, 250);
  for (const code of ['RU', 'NA', 'GB', 'GR', 'BQ', 'XK', 'TW', 'EH', 'AQ']) assert.ok(isKnownCountry(code), code);
  for (const code of ['UK', 'EL', 'XA', 'XXF', 'ru', 'RUS', '']) assert.ok(!isKnownCountry(code), code);
});

test('Namibia NA is a country, never a missing value', () => {
  assert.deepEqual(classifyCode('ecdc', 'NA'), { kind: 'country', country: 'NA' });
  assert.deepEqual(classifyCode('who', 'NA'), { kind: 'country', country: 'NA' });
});

test('ECDC aliases UK and EL map to GB and GR, for ECDC only', () => {
  assert.deepEqual(classifyCode('ecdc', 'UK'), { kind: 'country', country: 'GB' });
  assert.deepEqual(classifyCode('ecdc', 'EL'), { kind: 'country', country: 'GR' });
  assert.equal(classifyCode('who', 'UK').kind, 'unknown');
});

test('rows that are not countries are classified for skipping', () => {
  for (const code of ['JPG11668', ' ', 'XA', 'XB', 'XC', 'XXF', 'XXG', 'XXH', 'XXI', 'XXJ', 'XXL', 'XF', 'XG', 'XH', 'XI', 'XJ', 'XL']) {
    assert.equal(classifyCode('who', code).kind, 'not-a-country', JSON.stringify(code));
  }
  // XK sits between XJ and XL but is Kosovo.
  assert.deepEqual(classifyCode('who', 'XK'), { kind: 'country', country: 'XK' });
});

test('anything else is unknown (to be rejected), and codes are not trimmed or upper-cased', () => {
  for (const code of ['ZZ', 'XXK', 'RU ', 'ru', '', 'RUS']) {
    const cls = classifyCode('who', code);
    assert.equal(cls.kind, 'unknown', JSON.stringify(code));
    assert.match((cls as { reason: string }).reason, /unknown country code/);
  }
});
