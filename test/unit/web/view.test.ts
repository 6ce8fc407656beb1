import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_VIEW, readView, writeView } from '../../../src/web/view.ts';

void describe('the view in the URL', () => {
  void it('round-trips places, measure, scale and range', () => {
    const view = { places: ['RU', 'DE', 'WORLD'], measure: 'deaths' as const, scale: 'log' as const, from: '2021-01-01', to: '2021-12-31' };
    const query = writeView(view);
    assert.equal(query, '?places=RU,DE,WORLD&measure=deaths&scale=log&from=2021-01-01&to=2021-12-31');
    assert.deepEqual(readView(query), view);
  });

  void it('leaves defaults out and reads an empty query as the default view', () => {
    assert.equal(writeView(DEFAULT_VIEW), '');
    assert.deepEqual(readView(''), DEFAULT_VIEW);
  });

  void it('drops what it cannot read instead of guessing', () => {
    const view = readView('?places=ru,,x1,DE,ru,%3Cscript%3E&measure=recovered&scale=cubic&from=2021-02-30x&to=yesterday');
    assert.deepEqual(view, { places: ['RU', 'DE'], measure: 'cases', scale: 'linear', from: null, to: null });
  });

  void it('keeps at most six places and puts a reversed range in order', () => {
    const view = readView('?places=AA,BB,CC,DD,EE,FF,GG&from=2022-01-01&to=2021-01-01');
    assert.deepEqual(view.places, ['AA', 'BB', 'CC', 'DD', 'EE', 'FF']);
    assert.deepEqual([view.from, view.to], ['2021-01-01', '2022-01-01']);
  });

  void it('never carries anything but the view', () => {
    assert.deepEqual(readView('?key=secret&x-key=secret&places=RU'), { ...DEFAULT_VIEW, places: ['RU'] });
    assert.doesNotMatch(writeView(readView('?key=secret&places=RU')), /secret/);
  });
});
