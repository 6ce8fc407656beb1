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
});
