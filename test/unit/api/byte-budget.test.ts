import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createByteBudget, pacedStream } from '../../../src/api/services/byte-budget.ts';

void describe('export byte budget', () => {
  void it('lets one second of bytes through at once, then makes senders wait for what they take', () => {
    let now = 0;
    const budget = createByteBudget(1_000, () => now);
    assert.equal(budget.take(600), 0);
    assert.equal(budget.take(400), 0);
    // Empty: 500 bytes are half a second away; a second sender queues behind the first.
    assert.equal(budget.take(500), 500);
    assert.equal(budget.take(500), 1_000);
    now = 1_000;
    // A second later the debt of 1,000 bytes is paid, nothing more.
    assert.equal(budget.take(100), 100);
  });

  void it('never holds more than one second of bytes, however long it was idle', () => {
    let now = 0;
    const budget = createByteBudget(1_000, () => now);
    now = 60_000;
    assert.equal(budget.take(1_000), 0);
    assert.equal(budget.take(1_000), 1_000);
  });

  void it('paces a stream: of 3 chunks of 400 bytes at 1,000 bytes a second, the third waits for its last 200', async () => {
    const budget = createByteBudget(1_000);
    const started = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.from([Buffer.alloc(400), Buffer.alloc(400), Buffer.alloc(400)]).pipe(pacedStream(budget))) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).length, 1_200);
    assert.ok(performance.now() - started >= 190, 'the third chunk waited for its bytes');
  });

  void it('passes everything at once without a budget', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.from([Buffer.from('a'), Buffer.from('b')]).pipe(pacedStream(undefined))) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'ab');
  });
});
