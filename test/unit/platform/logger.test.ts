// Log lines: JSON with an ISO timestamp and the level's name; pretty lines for a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/logger.ts';

function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { destination, text: () => chunks.join('') };
}

test('JSON lines carry an ISO timestamp and the level name', () => {
  const out = capture();
  const logger = createLogger('info', 'worker', { destination: out.destination, pretty: false });
  logger.child({ task: 'load_who' }).warn({ runId: '7' }, 'task failed');
  logger.debug('not at this level');
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.level, 'warn');
  assert.equal(typeof line.time, 'string');
  assert.match(line.time as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(line.time as string) - Date.now()) < 60_000);
  assert.deepEqual([line.name, line.task, line.runId, line.msg, line.pid], ['worker', 'load_who', '7', 'task failed', process.pid]);
});

test('pretty lines for a person: one line per event, the level by name, no JSON', () => {
  const out = capture();
  const logger = createLogger('info', 'sink', { destination: out.destination, pretty: true });
  logger.info({ rows: 12 }, 'batch stored');
  const text = out.text();
  assert.equal(text.trim().split('\n').length, 1);
  assert.match(text, /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(sink\/\d+\): batch stored \{"rows":12\}/);
  assert.throws(() => JSON.parse(text));
});

test('pretty by default only when standard output is a terminal', (t) => {
  const descriptor = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  t.after(() => {
    if (descriptor) Object.defineProperty(process.stdout, 'isTTY', descriptor);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  });
  for (const tty of [true, false]) {
    Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true, writable: true });
    const out = capture();
    createLogger('info', 'api', { destination: out.destination }).info('listening');
    assert.equal(out.text().startsWith('{'), !tty, `isTTY=${tty}: ${out.text()}`);
  }
});
