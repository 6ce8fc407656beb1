import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';
import { englishNameOf, iso3Of, lookupCountry, normalizeName } from '../../../src/domain/country-lookup.ts';

const country = (input: string) => {
  const found = lookupCountry(input);
  return found.ok ? found.country : found.candidates.map((c) => c.country);
};

test('codes: alpha-2 and alpha-3, any case; Namibia is NA, never a missing value', () => {
  assert.equal(country('ru'), 'RU');
  assert.equal(country('RUS'), 'RU');
  assert.equal(country('nam'), 'NA');
  assert.equal(country('NA'), 'NA');
  assert.equal(country('XKX'), 'XK');
});

test('names: ISO, CLDR, WHO and everyday spellings, accents and punctuation aside', () => {
  assert.equal(country('Russia'), 'RU');
  assert.equal(country('russian federation'), 'RU');
  assert.equal(country('Cote dIvoire'), 'CI');
  assert.equal(country('Côte d’Ivoire'), 'CI');
  assert.equal(country('Republic of Korea'), 'KR');
  assert.equal(country('Democratic Republic of the Congo'), 'CD');
  assert.equal(country('Turkey'), 'TR');
  assert.equal(country('The Netherlands'), 'NL');
  assert.equal(country('Niger'), 'NE'); // not Nigeria
});

test('a name of several countries, or a reserved code, is refused with the candidates', () => {
  assert.deepEqual(country('Korea'), ['KP', 'KR']);
  assert.deepEqual(country('UK'), ['GB']);
  const none = lookupCountry('Atlantis');
  assert.deepEqual(none, { ok: false, reason: 'is not an ISO 3166-1 alpha-2 or alpha-3 code or an English country name', candidates: [] });
  assert.deepEqual(country('ZZ'), []);
  assert.deepEqual(country(''), []);
});

test('every country code has an alpha-3 code and a name, and its name leads back to it', () => {
  for (const code of COUNTRY_CODES) {
    assert.match(iso3Of(code), /^[A-Z]{3}$/, code);
    assert.equal(lookupCountry(englishNameOf(code)).ok && country(englishNameOf(code)), code, englishNameOf(code));
  }
  assert.equal(normalizeName('  Bosnia & Herzegovina '), 'bosnia and herzegovina');
});
