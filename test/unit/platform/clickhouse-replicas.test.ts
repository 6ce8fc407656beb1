import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickhouseErrorCode, ReplicaSet, shouldFailOver } from '../../../src/platform/clickhouse-replicas.ts';
import { onLiveReplica } from '../../../src/platform/clickhouse.ts';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8124'), { code: 'ECONNREFUSED' });
const sqlError = new Error('Code: 60, e.displayText() = DB::Exception: Table covid.nope doesn\'t exist., e.what() = DB::Exception');
const readOnlyReplica = new Error('Code: 242, e.displayText() = DB::Exception: Table is in readonly mode, e.what() = DB::Exception');

describe('ReplicaSet', () => {
  it('tries the current replica first, then the live ones in listed order, then the down ones soonest due first', () => {
    const set = new ReplicaSet(3, 1_000);
    assert.deepEqual(set.order(0), [0, 1, 2]);
    set.markDown(0, 100);
    set.markDown(2, 50);
    assert.deepEqual(set.order(200), [1, 2, 0]);
    assert.equal(set.isDown(0, 200), true);
    assert.deepEqual(set.order(1_100), [0, 1, 2], 'no answer yet from another: the listed order');
    // Replica 1 answered: it stays first, also once replica 0 is due again (it may still be
    // fetching what it missed).
    set.markUp(1);
    assert.deepEqual(set.order(1_100), [1, 2, 0]);
    set.markDown(1, 1_100);
    assert.deepEqual(set.order(1_200), [2, 0, 1]);
    set.markUp(0);
    assert.deepEqual(set.order(1_200), [0, 2, 1]);
  });

  it('refuses an empty set', () => {
    assert.throws(() => new ReplicaSet(0), /at least one replica/);
  });
});

describe('shouldFailOver', () => {
  it('moves on for transport failures and servers that cannot serve, not for SQL errors or an abort', () => {
    assert.equal(shouldFailOver(refused), true);
    assert.equal(shouldFailOver(new Error('Timeout error.')), true);
    assert.equal(shouldFailOver(new Error('<html><body>503 Service Unavailable</body></html>')), true);
    assert.equal(shouldFailOver(readOnlyReplica), true);
    assert.equal(shouldFailOver(Object.assign(new Error('Too many simultaneous queries'), { code: '202' })), true);
    assert.equal(shouldFailOver(sqlError), false);
    assert.equal(shouldFailOver(Object.assign(new Error('Syntax error'), { code: '62' })), false);
    assert.equal(shouldFailOver(new Error('The user aborted a request.'), true), false);
  });

  it('reads the code from typed errors and from 18.16 text', () => {
    assert.equal(clickhouseErrorCode(sqlError), '60');
    assert.equal(clickhouseErrorCode(Object.assign(new Error('x'), { code: '81' })), '81');
    assert.equal(clickhouseErrorCode(refused), undefined);
    assert.equal(clickhouseErrorCode('Code: 60'), undefined);
  });
});

describe('onLiveReplica', () => {
  function fakeReplicas(behaviour: ((index: number) => unknown)[]) {
    const calls: number[] = [];
    const call = (index: number) => {
      calls.push(index);
      const outcome = behaviour[index]!(index);
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    };
    return { calls, call };
  }

  it('answers from the next replica when one is unreachable, and stays with it', async () => {
    let now = 0;
    const set = new ReplicaSet(2, 5_000);
    let firstUp = false;
    const replicas = fakeReplicas([(i) => (firstUp ? `replica ${i}` : refused), (i) => `replica ${i}`]);
    assert.equal(await onLiveReplica(set, () => now, replicas.call), 'replica 1');
    assert.equal(await onLiveReplica(set, () => now, replicas.call), 'replica 1');
    firstUp = true;
    now = 5_001;
    assert.equal(await onLiveReplica(set, () => now, replicas.call), 'replica 1');
    assert.deepEqual(replicas.calls, [0, 1, 1, 1], 'the first replica is not asked while the second answers');
    assert.equal(set.isDown(0, now), false, 'its time is over: it is there when the second fails');
  });

  it('moves back to a replica whose time is over when the current one fails', async () => {
    let now = 0;
    const set = new ReplicaSet(2, 5_000);
    let secondUp = true;
    const replicas = fakeReplicas([() => 'replica 0', () => (secondUp ? 'replica 1' : refused)]);
    set.markDown(0, 0);
    assert.equal(await onLiveReplica(set, () => now, replicas.call), 'replica 1');
    secondUp = false;
    now = 6_000;
    assert.equal(await onLiveReplica(set, () => now, replicas.call), 'replica 0');
    assert.deepEqual(replicas.calls, [1, 1, 0]);
  });

  it('throws a SQL error at once, without asking another replica', async () => {
    const set = new ReplicaSet(2);
    const replicas = fakeReplicas([() => sqlError, () => 'never']);
    await assert.rejects(onLiveReplica(set, () => 0, replicas.call), /Code: 60/);
    assert.deepEqual(replicas.calls, [0]);
    assert.equal(set.isDown(0, 0), false);
  });

  it('throws the last failure when every replica fails, and still asks them all when all are marked down', async () => {
    const set = new ReplicaSet(2, 5_000);
    const replicas = fakeReplicas([() => refused, () => readOnlyReplica]);
    await assert.rejects(onLiveReplica(set, () => 0, replicas.call), /Code: 242/);
    await assert.rejects(onLiveReplica(set, () => 1, replicas.call), /Code: 242/);
    assert.deepEqual(replicas.calls, [0, 1, 0, 1]);
  });

  it('does not send again what cannot be sent twice, nor after the caller aborted', async () => {
    const set = new ReplicaSet(2);
    const replicas = fakeReplicas([() => refused, () => 'sent']);
    await assert.rejects(onLiveReplica(set, () => 0, replicas.call, { retryable: false }), /ECONNREFUSED/);
    assert.equal(set.isDown(0, 0), true, 'the failed replica is still remembered');
    const aborted = new AbortController();
    aborted.abort();
    const other = new ReplicaSet(2);
    await assert.rejects(onLiveReplica(other, () => 0, replicas.call, { signal: aborted.signal }), /ECONNREFUSED/);
    assert.deepEqual(replicas.calls, [0, 0]);
  });
});
