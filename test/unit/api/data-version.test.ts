// The in-memory data versions and what keeps them current: per-country tokens, announcements,
// the re-read after a reconnection, and the safety check that renews everything when ClickHouse
// changed without an announcement.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { encodeVersions, type SelectRows } from '../../../src/platform/data-announcements.ts';
import { createDataVersionState } from '../../../src/api/services/data-version.service.ts';
import { createDataVersionSync } from '../../../src/api/services/data-version-sync.ts';

const versionsOf = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([c, v]) => [c, BigInt(v)]));

void describe('data version state', () => {
  void it('a new version of one country changes its token and the token of all data, nothing else', () => {
    const state = createDataVersionState('epoch');
    assert.deepEqual(state.apply(versionsOf({ RU: 1, BR: 2 })), ['RU', 'BR']);
    const [ru, br, all] = [state.country('RU'), state.country('BR'), state.all()];
    assert.match(ru, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(ru, br);
    assert.deepEqual(state.apply(versionsOf({ BR: 3 })), ['BR']);
    assert.equal(state.country('RU'), ru);
    assert.notEqual(state.country('BR'), br);
    assert.notEqual(state.all(), all);
  });

  void it('ignores versions that are not newer (a re-read racing a notification)', () => {
    const state = createDataVersionState('epoch');
    state.apply(versionsOf({ RU: 5 }));
    const [ru, all] = [state.country('RU'), state.all()];
    assert.deepEqual(state.apply(versionsOf({ RU: 4 })), []);
    assert.deepEqual(state.apply(versionsOf({ RU: 5 })), []);
    assert.equal(state.country('RU'), ru);
    assert.equal(state.all(), all);
  });

  void it('the token of all data changes even when an announcement commits out of order', () => {
    const state = createDataVersionState('epoch');
    state.apply(versionsOf({ BR: 6 }));
    const all = state.all();
    state.apply(versionsOf({ RU: 5 })); // took its number first, committed second
    assert.notEqual(state.all(), all);
  });

  void it('renewing (another epoch) changes every token; countries never announced share one', () => {
    const state = createDataVersionState('epoch');
    state.apply(versionsOf({ RU: 1 }));
    assert.equal(state.country('XX'), state.country('YY'));
    const before = [state.country('RU'), state.country('XX'), state.all()];
    state.renew('other epoch');
    const after = [state.country('RU'), state.country('XX'), state.all()];
    for (let i = 0; i < before.length; i++) assert.notEqual(after[i], before[i]);
    // Same inputs, same tokens: every process that knows the same versions gives the same ETags.
    const twin = createDataVersionState('other epoch');
    twin.apply(versionsOf({ RU: 1 }));
    assert.deepEqual([twin.country('RU'), twin.country('XX'), twin.all()], after);
  });
});

void describe('data version sync', () => {
  const setup = () => {
    let now = 0;
    let digest = 'd0';
    let stored = versionsOf({});
    let epoch = 'epoch-1';
    let rotations = 0;
    const state = createDataVersionState();
    const rotateEpoch = () => Promise.resolve((epoch = `epoch-${++rotations + 1}`));
    const sync = createDataVersionSync(
      { state, clickhouseDigest: () => Promise.resolve(digest), rotateEpoch, clock: { now: () => now }, logger: pino({ level: 'silent' }) },
      digest,
    );
    const database: SelectRows = (sql) =>
      Promise.resolve(
        sql.includes('data_version_epoch') ? [{ id: epoch }] : [...stored].map(([country, version]) => ({ country, version: String(version) })),
      );
    return {
      state,
      sync,
      database,
      advance: (ms: number) => void (now += ms),
      setDigest: (value: string) => void (digest = value),
      store: (entries: Record<string, number>) => void (stored = versionsOf(entries)),
      rotations: () => rotations,
    };
  };

  void it('takes the stored versions on connecting and announced ones from notifications', async () => {
    const t = setup();
    t.store({ RU: 3 });
    await t.sync.onConnect(t.database);
    const ru = t.state.country('RU');
    assert.notEqual(ru, t.state.country('BR'));
    t.sync.onNotification(encodeVersions(versionsOf({ RU: 4 })));
    assert.notEqual(t.state.country('RU'), ru);
  });

  void it('a poll re-reads the stored versions: a lost notification is caught', async () => {
    const t = setup();
    await t.sync.onConnect(t.database);
    const ru = t.state.country('RU');
    t.store({ RU: 9 });
    await t.sync.poll(t.database);
    assert.notEqual(t.state.country('RU'), ru);
  });

  void it('an unannounced ClickHouse change gives a new epoch at the poll after the one that saw it', async () => {
    const t = setup();
    await t.sync.onConnect(t.database);
    const all = t.state.all();
    t.advance(500);
    await t.sync.poll(t.database); // nothing changed
    t.setDigest('d1'); // rows written past the sink
    t.advance(500);
    await t.sync.poll(t.database); // sees the change; an announcement may still be on its way
    assert.equal(t.state.all(), all);
    t.advance(500);
    await t.sync.poll(t.database);
    assert.notEqual(t.state.all(), all);
    assert.equal(t.rotations(), 1);
    const renewed = t.state.all();
    t.advance(500);
    await t.sync.poll(t.database);
    assert.equal(t.state.all(), renewed, 'renewed once, not on every poll');
    assert.equal(t.rotations(), 1);
  });

  void it('a new epoch announced by another process renews everything here', async () => {
    const t = setup();
    await t.sync.onConnect(t.database);
    const all = t.state.all();
    t.sync.onNotification('epoch:epoch-9');
    assert.notEqual(t.state.all(), all);
  });

  void it('an announced change does not renew everything', async () => {
    const t = setup();
    await t.sync.onConnect(t.database);
    t.advance(500);
    await t.sync.poll(t.database);
    t.setDigest('d1');
    t.advance(100);
    t.sync.onNotification(encodeVersions(versionsOf({ RU: 1 })));
    const [br, ru] = [t.state.country('BR'), t.state.country('RU')];
    t.advance(400);
    await t.sync.poll(t.database);
    t.advance(500);
    await t.sync.poll(t.database);
    assert.equal(t.state.country('BR'), br);
    assert.equal(t.state.country('RU'), ru);
  });

  void it('ClickHouse unavailable: polls keep reading the versions and renew nothing', async () => {
    const t = setup();
    const sync = createDataVersionSync(
      {
        state: t.state,
        clickhouseDigest: () => Promise.reject(new Error('down')),
        rotateEpoch: () => Promise.reject(new Error('not expected')),
        clock: { now: () => 0 },
        logger: pino({ level: 'silent' }),
      },
      'd0',
    );
    await sync.onConnect(t.database);
    const all = t.state.all();
    await sync.poll(t.database);
    await sync.poll(t.database);
    assert.equal(t.state.all(), all);
  });
});
