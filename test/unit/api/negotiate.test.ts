import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/api/errors.ts';
import { chooseFormat } from '../../../src/api/http/negotiate.ts';

void describe('format negotiation', () => {
  void it('format wins, then Accept with q-values, then JSON', () => {
    assert.equal(chooseFormat('csv', 'application/json'), 'csv');
    assert.equal(chooseFormat(undefined, undefined), 'json');
    assert.equal(chooseFormat(undefined, ''), 'json');
    assert.equal(chooseFormat(undefined, 'text/csv'), 'csv');
    assert.equal(chooseFormat(undefined, 'application/x-ndjson'), 'ndjson');
    assert.equal(chooseFormat(undefined, 'application/json;q=0.4, text/csv;q=0.8'), 'csv');
    assert.equal(chooseFormat(undefined, 'text/html, */*;q=0.1'), 'json');
    assert.equal(chooseFormat(undefined, 'TEXT/CSV; charset=utf-8'), 'csv');
  });

  void it('406 when nothing acceptable is offered', () => {
    for (const accept of ['application/xml', 'text/csv;q=0', 'image/png, text/html']) {
      assert.throws(() => chooseFormat(undefined, accept), (error: unknown) => error instanceof AppError && error.code === 'not_acceptable');
    }
  });
});
