// `covid-etl run --reload`: what is accepted, and what is refused with the accepted names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReloadOption } from '../../../src/cli/reload-option.ts';

test('no --reload: an ordinary run', () => {
  assert.deepEqual(parseReloadOption(undefined), { sources: [] });
});

test('one source, a list (in the DAG order, once each), or all', () => {
  assert.deepEqual(parseReloadOption('who'), { sources: ['who'] });
  assert.deepEqual(parseReloadOption('stopcoronavirus, ECDC,who,ecdc'), { sources: ['ecdc', 'who', 'stopcoronavirus'] });
  assert.deepEqual(parseReloadOption('all'), { sources: ['ecdc', 'who', 'stopcoronavirus'] });
});

test('an unknown or empty source is refused, naming what is accepted', () => {
  assert.deepEqual(parseReloadOption('who,jhu'), { error: "--reload: unknown source 'jhu'; expected ecdc, who, stopcoronavirus or all" });
  assert.deepEqual(parseReloadOption(''), { error: '--reload needs a source: ecdc, who, stopcoronavirus or all' });
  assert.deepEqual(parseReloadOption(true), { error: '--reload needs a source: ecdc, who, stopcoronavirus or all' });
});
