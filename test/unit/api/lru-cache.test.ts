import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from '../../../src/api/services/lru-cache.ts';

void describe('LRU cache', () => {
  void it('evicts the least recently used entries beyond its weight', () => {
    const cache = new LruCache<string>(10, (value) => value.length);
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    assert.equal(cache.get('a'), 'aaaa'); // a is now the most recent
    cache.set('c', 'cccc');
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 'aaaa');
    assert.equal(cache.get('c'), 'cccc');
    cache.set('huge', 'x'.repeat(11));
    assert.equal(cache.get('huge'), undefined, 'larger than the whole cache: not kept');
    assert.equal(cache.size, 2);
  });

  void it('shares one load between concurrent misses and does not keep failures', async () => {
    const cache = new LruCache<number>(100, () => 1);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 7;
    };
    assert.deepEqual(await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]), [7, 7]);
    assert.equal(loads, 1);
    await assert.rejects(cache.getOrLoad('bad', () => Promise.reject(new Error('down'))), /down/);
    assert.equal(await cache.getOrLoad('bad', () => Promise.resolve(3)), 3);
  });
});

void describe('LRU cache: second chance', () => {
  void it('keeps an entry that is hit often while newer, unused ones come and go', () => {
    const cache = new LruCache<string>(12, (value) => value.length);
    cache.set('hot', 'hhhh');
    for (let i = 0; i < 20; i++) {
      assert.equal(cache.get('hot'), 'hhhh', `round ${i}`);
      cache.set(`cold${i}`, 'cccc');
    }
    assert.equal(cache.get('cold0'), undefined);
    assert.equal(cache.get('cold19'), 'cccc');
    assert.equal(cache.size, 3);
  });
});
