// Error answers are bounded whatever the request (the review's error amplification: 8,000 empty
// list items answered 1.5 MB): list items capped, echoed values clipped, each issue stated once,
// the issues listed capped, and every problem document at most 16 KiB.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_REPORTED_ISSUES, PROBLEM_MAX_BYTES } from '../../../src/api/http/problem-limits.ts';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

interface Problem {
  status: number;
  detail: string;
  errors?: { in: string; name: string; detail: string }[];
}

const KIB16 = 16 * 1024;

void describe('bounded error answers', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily(dateRange('2021-01-01', 3).map((date) => ({ country: 'RU', date, cases: 1, deaths: 1 })));
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const problem = async (url: string) => {
    const response = await ctx.app.inject({ url, headers: { 'x-key': key } });
    assert.equal(response.statusCode, 400, url.slice(0, 80));
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.ok(response.rawPayload.length <= KIB16, `${url.slice(0, 60)}: ${response.rawPayload.length} bytes`);
    const body = response.json<Problem>();
    assert.ok((body.errors?.length ?? 0) <= MAX_REPORTED_ISSUES);
    return { body, bytes: response.rawPayload.length };
  };

  void it('8,000 empty list items: one issue, a few hundred bytes', async () => {
    for (const name of ['fields', 'country']) {
      const { body, bytes } = await problem(`/v1/daily?${name}=${','.repeat(8_000)}`);
      assert.deepEqual(body.errors, [{ in: 'query', name, detail: 'has 8001 items; at most 250' }]);
      assert.equal(body.detail, `${name}: has 8001 items; at most 250`);
      assert.ok(bytes < 1_000, `${bytes} bytes`);
    }
  });

  void it('a repeated bad item is one issue; many distinct ones are counted, not listed', async () => {
    const same = await problem(`/v1/daily?fields=${Array(200).fill('x').join(',')}`);
    assert.equal(same.body.errors?.length, 1);
    assert.match(same.body.errors[0]!.detail, /^'x' is not a field \(/);
    const distinct = await problem(`/v1/daily?country=${Array.from({ length: 250 }, (_, i) => `c${i}`).join(',')}`);
    assert.equal(distinct.body.errors?.length, 4);
    assert.equal(distinct.body.errors?.[3]?.detail, 'and 247 more invalid items');
    assert.match(distinct.body.detail, /^country: 'c0' is not .* \(and 3 more problems; see errors\)$/);
  });

  void it('long values and names are clipped where they are echoed', async () => {
    const longStart = await problem(`/v1/daily?start=${'9'.repeat(8_000)}`);
    assert.ok(longStart.bytes < 1_000, `${longStart.bytes} bytes`);
    assert.match(longStart.body.detail, /^start: '9{40}…' is not a real date/);
    const longName = await problem(`/v1/daily?${'n'.repeat(8_000)}=1`);
    assert.ok(longName.bytes < 1_000, `${longName.bytes} bytes`);
    assert.equal(longName.body.errors?.[0]?.name, `${'n'.repeat(60)}…`);
  });

  void it('a thousand unknown parameters: at most 10 listed, the rest counted', async () => {
    const query = Array.from({ length: 1_000 }, (_, i) => `p${i}=${'\u00e9'.repeat(10)}`).join('&');
    const { body, bytes } = await problem(`/v1/daily?${query}`);
    assert.equal(body.errors?.length, MAX_REPORTED_ISSUES);
    assert.match(body.detail, /^p0: unknown parameter \(and 999 more problems; see errors\)$/);
    assert.ok(bytes <= PROBLEM_MAX_BYTES);
  });

  void it('values full of multi-byte characters never exceed the byte bound', async () => {
    const wide = encodeURIComponent('\u{1F600}\u0000'.repeat(60));
    const { bytes } = await problem(`/v1/daily?${Array.from({ length: 20 }, (_, i) => `${wide}${i}=1`).join('&')}`);
    assert.ok(bytes <= PROBLEM_MAX_BYTES, `${bytes}`);
  });
});
