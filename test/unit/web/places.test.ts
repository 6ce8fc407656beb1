import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countryName, searchPlaces, sortPlaces, type Place } from '../../../src/web/places.ts';

const place = (code: string, kind: Place['kind'] = 'country', name = countryName(code)): Place => ({ code, name, kind });
const catalogue = sortPlaces([
  place('RU'),
  place('DE'),
  place('NA'),
  place('CI'),
  place('GB'),
  place('US'),
  place('EUR', 'region', 'European Region'),
  place('WORLD', 'world', 'World'),
]);
const codes = (query: string) => searchPlaces(catalogue, query).map((p) => p.code);

void describe('places', () => {
  void it('names countries in English, from the API when it sends a name', () => {
    assert.equal(countryName('RU'), 'Russia');
    assert.equal(countryName('NA'), 'Namibia');
    assert.equal(countryName('XK'), 'Kosovo');
    assert.equal(countryName('RU', 'Russian Federation'), 'Russian Federation');
  });

  void it('lists the world first, then regions, then countries by name', () => {
    assert.deepEqual(catalogue.map((p) => p.code), ['WORLD', 'EUR', 'CI', 'DE', 'NA', 'RU', 'GB', 'US']);
  });

  void it('finds a place by its code or by its name, from any word, ignoring case and accents', () => {
    assert.deepEqual(codes('ru'), ['RU']);
    assert.deepEqual(codes('RUSS'), ['RU']);
    assert.deepEqual(codes('na'), ['NA']);
    assert.deepEqual(codes('cote'), ['CI']);
    assert.deepEqual(codes('kingdom'), ['GB']);
    assert.deepEqual(codes('europe'), ['EUR']);
    assert.deepEqual(codes('world'), ['WORLD']);
    assert.deepEqual(codes('zzz'), []);
  });

  void it('puts an exact code before names that merely start with it', () => {
    assert.equal(codes('de')[0], 'DE');
    assert.equal(codes('us')[0], 'US');
  });

  void it('lists everything for an empty search', () => {
    assert.equal(searchPlaces(catalogue, '  ').length, catalogue.length);
  });
});
