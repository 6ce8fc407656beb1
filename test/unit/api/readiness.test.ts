import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReadiness } from '../../../src/api/services/readiness.ts';

void describe('readiness', () => {
  void it('one probe for any number of requests within the interval; a new one after it', async () => {
    let now = 0;
    let calls = 0;
    let clickhouseUp = true;
    const readiness = createReadiness(
      {
        postgres: () => {
          calls++;
          return Promise.resolve();
        },
        clickhouse: () => (clickhouseUp ? Promise.resolve() : Promise.reject(new Error('down'))),
      },
      { minIntervalMs: 1_000, now: () => now },
    );
    const answers = await Promise.all(Array.from({ length: 500 }, () => readiness.current()));
    assert.ok(answers.every((a) => a.down.length === 0));
    assert.equal(readiness.probes(), 1);
    assert.equal(calls, 1);
    clickhouseUp = false;
    now = 999;
    assert.deepEqual(await readiness.current(), { down: [] }, 'cached within the interval');
    now = 1_000;
    assert.deepEqual(await readiness.current(), { down: ['clickhouse'] }, 'probed again after it');
    assert.equal(readiness.probes(), 2);
  });
});
