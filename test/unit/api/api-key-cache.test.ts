import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateApiKey, apiKeyDigest } from '../../../src/api/services/api-key-format.ts';
import { createApiKeyService } from '../../../src/api/services/api-key.service.ts';

void describe('API key cache', () => {
  void it('a flood of unknown keys never pushes a known key out, and unknown ones are not looked up twice', async () => {
    const real = generateApiKey();
    const digest = apiKeyDigest(real).toString('base64');
    let lookups = 0;
    const users = {
      findUserIdByKeyDigest: (d: Buffer) => {
        lookups++;
        return Promise.resolve(d.toString('base64') === digest ? 'user-1' : null);
      },
    };
    const service = createApiKeyService(users, { now: () => 0 }, { positiveTtlMs: 5_000, negativeTtlMs: 60_000, maxEntries: 10 });
    assert.equal(await service.authenticate(real), 'user-1');
    assert.equal(lookups, 1);
    const guesses = Array.from({ length: 50 }, () => generateApiKey());
    for (const guess of guesses) await assert.rejects(service.authenticate(guess), /valid API key/);
    assert.equal(lookups, 51);
    assert.ok(service.isCached(real), 'the known key is still cached after 50 unknown ones (bound 10 each)');
    assert.equal(await service.authenticate(real), 'user-1');
    assert.equal(lookups, 51);
    const last = guesses.at(-1)!;
    assert.ok(service.isCached(last));
    await assert.rejects(service.authenticate(last));
    assert.equal(lookups, 51, 'a recent unknown key is answered from its cache');
    assert.ok(!service.isCached(guesses[0]!), 'the oldest unknown ones were evicted');
    assert.ok(!service.isCached('not a key'));
  });

  void it('cachedUser (the direct path) answers a live key from memory, and stops at once when it is revoked or expires', async () => {
    const keys = [generateApiKey(), generateApiKey(), generateApiKey()];
    const owners = new Map(keys.map((key, i) => [apiKeyDigest(key).toString('base64'), `user-${i}`]));
    const users = { findUserIdByKeyDigest: (d: Buffer) => Promise.resolve(owners.get(d.toString('base64')) ?? null) };
    let now = 0;
    const service = createApiKeyService(users, { now: () => now }, { positiveTtlMs: 5_000, negativeTtlMs: 60_000, maxEntries: 2 });
    assert.equal(service.cachedUser(keys[0]!), undefined, 'never checked: the full path first');
    for (const key of keys) await service.authenticate(key);
    for (let round = 0; round < 2; round++) {
      // Twice: the first call hashes and memorizes, the second answers from the memory.
      assert.equal(service.cachedUser(keys[1]!), 'user-1');
      assert.equal(service.cachedUser(keys[2]!), 'user-2');
    }
    const other = generateApiKey();
    assert.equal(service.cachedUser(other), undefined, 'an unknown key of the right length');
    assert.equal(service.cachedUser(`${keys[1]!.slice(0, -1)}${keys[1]!.endsWith('A') ? 'B' : 'A'}`), undefined, 'a key differing in its last character');
    service.forget([apiKeyDigest(keys[1]!)]);
    assert.equal(service.cachedUser(keys[1]!), undefined, 'revoked: not answered from the memory');
    assert.equal(service.cachedUser(keys[2]!), 'user-2');
    now = 5_001;
    assert.equal(service.cachedUser(keys[2]!), undefined, 'expired with its cache entry');
    await service.authenticate(keys[2]);
    assert.equal(service.cachedUser(keys[2]!), 'user-2');
    service.forgetAll();
    assert.equal(service.cachedUser(keys[2]!), undefined, 'forgetAll forgets the memory too');
  });

  void it('refresh ahead: a key used near its expiry is looked up again in the background; only a live answer extends it', async () => {
    const key = generateApiKey();
    const digest = apiKeyDigest(key).toString('base64');
    let live = true;
    let lookups = 0;
    let release: () => void = () => {};
    const users = {
      findUserIdByKeyDigest: async (d: Buffer) => {
        lookups++;
        await new Promise<void>((resolve) => (release = resolve));
        return live && d.toString('base64') === digest ? 'user-0' : null;
      },
    };
    let now = 0;
    const service = createApiKeyService(users, { now: () => now }, { positiveTtlMs: 5_000, negativeTtlMs: 60_000, refreshAheadMs: 1_000, maxEntries: 10 });
    const first = service.authenticate(key);
    release();
    assert.equal(await first, 'user-0');
    now = 3_999;
    assert.equal(service.cachedUser(key), 'user-0');
    assert.equal(lookups, 1, 'far from its expiry: no lookup');
    now = 4_000;
    assert.equal(service.cachedUser(key), 'user-0', 'answered from memory while the refresh runs');
    assert.equal(service.cachedUser(key), 'user-0');
    assert.equal(lookups, 2, 'one refresh at a time');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    now = 8_999;
    assert.equal(service.cachedUser(key), 'user-0', 'the refresh found it live: 5 s from the refresh');
    assert.equal(lookups, 3, 'and it is near its end again');
    live = false; // revoked, its notification lost
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(service.cachedUser(key), undefined, 'the refresh found it revoked: forgotten at once');
    now = 9_001;
    await assert.rejects(
      (async () => {
        const check = service.authenticate(key);
        release();
        return check;
      })(),
      /valid API key/,
    );
  });
});
