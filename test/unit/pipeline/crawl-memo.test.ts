import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CRAWL_REUSE_MS, CrawlMemo } from '../../../src/pipeline/tasks/crawl-memo.ts';
import type { CrawlResult } from '../../../src/pipeline/sources/stopcoronavirus.ts';

const crawl = (pagesRead: number): CrawlResult => ({ weeks: [], rejected: [], pagesRead, postsRead: 0, complete: true });

describe('CrawlMemo: check_sources\' crawl reused by load_new_weeks of the same run', () => {
  it('gives the kept crawl back once, for the same run and starting week', () => {
    const memo = new CrawlMemo({ now: () => 0 });
    const kept = crawl(1);
    memo.keep('7', '2023-05-14', kept);
    assert.equal(memo.take('7', '2023-05-14'), kept);
    assert.equal(memo.take('7', '2023-05-14'), undefined, 'taken once');
  });

  it('a different run or starting week (e.g. WHO changed in between) crawls again', () => {
    const memo = new CrawlMemo({ now: () => 0 });
    memo.keep('7', '2023-05-14', crawl(1));
    assert.equal(memo.take('8', '2023-05-14'), undefined);
    memo.keep('7', '2023-05-14', crawl(1));
    assert.equal(memo.take('7', '2023-05-21'), undefined);
    memo.keep('7', null, crawl(1));
    assert.equal(memo.take('7', ''), undefined, 'no starting week is not the empty date');
  });

  it('keeps only the latest crawl, and not past CRAWL_REUSE_MS', () => {
    let now = 0;
    const memo = new CrawlMemo({ now: () => now });
    const latest = crawl(2);
    memo.keep('7', null, crawl(1));
    memo.keep('7', null, latest);
    assert.equal(memo.take('7', null), latest);
    memo.keep('7', null, latest);
    now = CRAWL_REUSE_MS;
    assert.equal(memo.take('7', null), latest, 'at the limit');
    memo.keep('7', null, latest);
    now += CRAWL_REUSE_MS + 1;
    assert.equal(memo.take('7', null), undefined, 'too old');
  });
});
