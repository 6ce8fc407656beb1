// The API key format: `cov_` + base64url(32 bytes from a CSPRNG) + base64url(CRC-32 of what
// precedes it), 53 characters. The prefix makes a leaked key recognisable (secret scanners);
// the checksum lets a mistyped or made-up key be refused without touching the database.
// Only the SHA-256 digest of a key is ever stored.
import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const API_KEY_PREFIX = 'cov_';
const SECRET_BYTES = 32;
const BODY_LENGTH = API_KEY_PREFIX.length + 43; // base64url of 32 bytes, unpadded
export const API_KEY_LENGTH = BODY_LENGTH + 6; // base64url of 4 bytes, unpadded
const PATTERN = /^cov_[A-Za-z0-9_-]{49}$/;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url of the 4 big-endian bytes of the CRC-32, written out (it runs on every request). */
function checksum(body: string): string {
  const c = crc32(body);
  return (
    BASE64URL[c >>> 26]! +
    BASE64URL[(c >>> 20) & 63]! +
    BASE64URL[(c >>> 14) & 63]! +
    BASE64URL[(c >>> 8) & 63]! +
    BASE64URL[(c >>> 2) & 63]! +
    BASE64URL[(c & 3) << 4]!
  );
}

export function generateApiKey(random: (size: number) => Buffer = randomBytes): string {
  const body = API_KEY_PREFIX + random(SECRET_BYTES).toString('base64url');
  return body + checksum(body);
}

/** Shape and checksum only: says nothing about whether the key was ever issued. */
export function isWellFormedApiKey(key: string): boolean {
  return key.length === API_KEY_LENGTH && PATTERN.test(key) && checksum(key.slice(0, BODY_LENGTH)) === key.slice(BODY_LENGTH);
}

export function apiKeyDigest(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** The same digest, base64: the key of in-memory lookups. */
export function apiKeyDigestText(key: string): string {
  return hash('sha256', key, 'base64');
}
