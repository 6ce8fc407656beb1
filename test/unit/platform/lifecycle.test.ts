// Shutdown signals: the first one starts the shutdown, a second one exits at once only where the
// role asked for it; listeners are removed when done. Signals are emitted on `process` (no real
// signal is sent; Node passes the handler the signal's name, as here) and process.exit is replaced.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listenForShutdown, Resources } from '../../../src/platform/lifecycle.ts';
import { createLogger } from '../../../src/platform/logger.ts';

const logger = createLogger('silent', 'test');
const listeners = () => process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');

describe('listenForShutdown', () => {
  it('resolves with the first signal; a second exits with status 1 when asked to', async () => {
    const exits: number[] = [];
    const before = listeners();
    const signals = listenForShutdown(logger, { secondSignalExits: true, exit: (code) => void exits.push(code) });
    process.emit('SIGINT', 'SIGINT');
    assert.equal(await signals.received, 'SIGINT');
    assert.deepEqual(exits, []);
    process.emit('SIGTERM', 'SIGTERM');
    assert.deepEqual(exits, [1]);
    signals.dispose();
    assert.equal(listeners(), before);
  });

  it('without the option, later signals are ignored', async () => {
    const exits: number[] = [];
    const signals = listenForShutdown(logger, { exit: (code) => void exits.push(code) });
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await signals.received, 'SIGTERM');
    assert.deepEqual(exits, []);
    signals.dispose();
  });

  it('stopping() for another reason makes the next signal a second one', () => {
    const exits: number[] = [];
    const signals = listenForShutdown(logger, { secondSignalExits: true, exit: (code) => void exits.push(code) });
    signals.stopping();
    process.emit('SIGTERM', 'SIGTERM');
    assert.deepEqual(exits, [1]);
    signals.dispose();
  });
});

describe('Resources', () => {
  it('releases in reverse order, once, past a failing release', async () => {
    const released: string[] = [];
    const resources = new Resources();
    resources.add('a', 'a', (r) => void released.push(r));
    resources.add('b', 'b', () => {
      throw new Error('b failed');
    });
    resources.add('c', 'c', (r) => void released.push(r));
    await Promise.all([resources.close(logger), resources.close(logger)]);
    assert.deepEqual(released, ['c', 'a']);
  });
});
