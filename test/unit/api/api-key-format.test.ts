import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_KEY_LENGTH, apiKeyDigest, generateApiKey, isWellFormedApiKey } from '../../../src/api/services/api-key-format.ts';

void describe('API key format', () => {
  void it('is cov_ + 43 characters of secret + a 6-character checksum', () => {
    const key = generateApiKey();
    assert.equal(key.length, API_KEY_LENGTH);
    assert.equal(API_KEY_LENGTH, 53);
    assert.match(key, /^cov_[A-Za-z0-9_-]{49}$/);
    assert.ok(isWellFormedApiKey(key));
    assert.notEqual(generateApiKey(), key);
  });

  void it('uses the given 32 random bytes, so the secret carries 256 bits', () => {
    const key = generateApiKey(() => Buffer.alloc(32, 0xff));
    assert.equal(key.slice(4, 47), Buffer.alloc(32, 0xff).toString('base64url'));
  });

  void it('refuses a changed character, a wrong length or prefix, without any lookup', () => {
    const key = generateApiKey();
    for (let i = 4; i < key.length; i += 5) {
      const changed = key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
      assert.equal(isWellFormedApiKey(changed), false, `position ${i}`);
    }
    assert.equal(isWellFormedApiKey(key.slice(0, -1)), false);
    assert.equal(isWellFormedApiKey(`${key}A`), false);
    assert.equal(isWellFormedApiKey(`abc_${key.slice(4)}`), false);
    assert.equal(isWellFormedApiKey(`${key}, ${key}`), false);
    assert.equal(isWellFormedApiKey(''), false);
  });

  void it('writes the checksum as base64url of the big-endian CRC-32', async () => {
    const { crc32 } = await import('node:zlib');
    for (let i = 0; i < 200; i++) {
      const key = generateApiKey();
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(crc32(key.slice(0, 47)));
      assert.equal(key.slice(47), bytes.toString('base64url'));
    }
  });

  void it('stores a SHA-256 digest', () => {
    assert.equal(apiKeyDigest('cov_x').length, 32);
    assert.deepEqual(apiKeyDigest('cov_x'), apiKeyDigest('cov_x'));
  });
});
