import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RememberedUrls } from '../../../src/api/http/data-reply.ts';
import { chooseEncoding } from '../../../src/api/http/compression.ts';

const answer = (key: string) => ({ key, countries: ['RU'], route: '/cases' });

void describe('remembered URLs (the fast path)', () => {
  void it('are kept apart by Accept; a missing Accept is the empty one', () => {
    const urls = new RememberedUrls();
    urls.add('/v1/daily?country=RU', 'text/csv', answer('csv'));
    urls.add('/v1/daily?country=RU', undefined, answer('json'));
    assert.equal(urls.get('/v1/daily?country=RU', 'text/csv')?.key, 'csv');
    assert.equal(urls.get('/v1/daily?country=RU', undefined)?.key, 'json');
    assert.equal(urls.get('/v1/daily?country=RU', '')?.key, 'json');
    assert.equal(urls.get('/v1/daily?country=RU', 'application/json'), undefined);
    assert.equal(urls.get('/v1/daily?country=BR', undefined), undefined);
    assert.equal(urls.size, 2);
  });

  void it('keep the first answer of a URL, start empty again past 10,000, and have no cache keys before their first use', () => {
    const urls = new RememberedUrls();
    urls.add('/cases', undefined, answer('first'));
    urls.add('/cases', undefined, answer('second'));
    assert.equal(urls.get('/cases', undefined)?.key, 'first');
    assert.equal(urls.get('/cases', undefined)?.version, undefined);
    for (let i = 1; i < 10_000; i++) urls.add(`/cases?n=${i}`, undefined, answer(String(i)));
    assert.equal(urls.size, 10_000);
    urls.add('/cases?n=new', undefined, answer('new'));
    assert.equal(urls.size, 1);
    assert.equal(urls.get('/cases', undefined), undefined);
    assert.equal(urls.get('/cases?n=new', undefined)?.key, 'new');
  });
});

void describe('Accept-Encoding choice (remembered per header value)', () => {
  void it('gives the same choice the first time and after, for short and long headers', () => {
    const long = `${'x-unknown;q=0.5, '.repeat(40)}gzip`;
    for (let round = 0; round < 2; round++) {
      assert.equal(chooseEncoding('gzip, deflate, br'), 'br');
      assert.equal(chooseEncoding('br;q=0, gzip'), 'gzip');
      assert.equal(chooseEncoding('identity'), null);
      assert.equal(chooseEncoding(long), 'gzip');
      assert.equal(chooseEncoding(undefined), null);
    }
  });
});
