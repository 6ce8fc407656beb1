import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../../src/api/errors.ts';
import { createExportSlots, isExport } from '../../../src/api/services/export-slots.ts';

const code = (acquire: () => unknown) => {
  try {
    acquire();
    return 'ok';
  } catch (error) {
    assert.ok(isAppError(error));
    assert.equal(error.details.retryAfterSeconds, 1);
    return error.code;
  }
};

void describe('export slots', () => {
  void it('caps per user (429) and in total (503); a release frees exactly one slot, once', () => {
    const slots = createExportSlots({ total: 3, perUser: 2 });
    const a1 = slots.acquire('a');
    slots.acquire('a');
    assert.equal(code(() => slots.acquire('a')), 'rate_limited');
    slots.acquire('b');
    assert.equal(code(() => slots.acquire('c')), 'unavailable');
    a1();
    a1();
    assert.equal(slots.inUse(), 2);
    assert.equal(code(() => slots.acquire('c')), 'ok');
    assert.equal(code(() => slots.acquire('d')), 'unavailable');
  });

  void it('an export is every country or more than ten of them', () => {
    assert.equal(isExport(undefined), true);
    assert.equal(isExport(Array.from({ length: 11 }, (_, i) => `C${i}`)), true);
    assert.equal(isExport(Array.from({ length: 10 }, (_, i) => `C${i}`)), false);
    assert.equal(isExport(['RU']), false);
  });
});
