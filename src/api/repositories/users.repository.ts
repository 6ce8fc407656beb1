// Users and their API keys in PostgreSQL (migrations/postgres/001_users.sql). A key is stored
// only as its SHA-256 digest under a unique index, so checking a key is one indexed lookup
// whatever the number of users; a user has at most one live key (partial unique index).
import type { Pool } from '../../platform/postgres.ts';
import { withTransaction } from '../../platform/postgres.ts';
import { timedQuery } from './pg-query.ts';
import { guarded } from './store-errors.ts';

export interface StoredUser {
  id: string;
  username: string;
  passwordHash: string;
}

export interface UsersRepository {
  /** Creates the user with its first key; false when the username is taken. */
  createWithKey(username: string, passwordHash: string, keyDigest: Buffer): Promise<boolean>;
  findByUsername(username: string): Promise<StoredUser | null>;
  /** Revokes the user's live key and stores a new one, atomically; returns the revoked digests. */
  replaceKey(userId: string, keyDigest: Buffer): Promise<Buffer[]>;
  /** The user owning this live (not revoked) key, or null. */
  findUserIdByKeyDigest(keyDigest: Buffer): Promise<string | null>;
}

const UNIQUE_VIOLATION = '23505';

/** Every API process listens here and forgets the revoked keys at once (services/change-feed.ts). */
export const API_KEY_REVOKED_CHANNEL = 'covid_api_key_revoked';

/** Base64 SHA-256 digests, comma-separated: 44 bytes each, far below NOTIFY's 8,000-byte limit. */
export function decodeRevokedDigests(payload: string): Buffer[] {
  return payload
    .split(',')
    .filter((digest) => /^[A-Za-z0-9+/]{43}=$/.test(digest))
    .map((digest) => Buffer.from(digest, 'base64'));
}

export function createUsersRepository(pool: Pool, queryTimeoutMs: number): UsersRepository {
  return {
    createWithKey: (username, passwordHash, keyDigest) =>
      guarded('postgres', async () => {
        try {
          await withTransaction(pool, async (client) => {
            const { rows } = await client.query<{ id: string }>(
              timedQuery('INSERT INTO users (username, password_hash) VALUES ($1, $2) RETURNING id', [username, passwordHash], queryTimeoutMs),
            );
            await client.query(
              timedQuery('INSERT INTO api_keys (user_id, key_digest) VALUES ($1, $2)', [rows[0]!.id, keyDigest], queryTimeoutMs),
            );
          });
          return true;
        } catch (error) {
          const { code, constraint } = error as { code?: string; constraint?: string };
          if (code === UNIQUE_VIOLATION && constraint === 'users_username_key') return false;
          throw error;
        }
      }),

    findByUsername: (username) =>
      guarded('postgres', async () => {
        const { rows } = await pool.query<{ id: string; username: string; password_hash: string }>(
          timedQuery('SELECT id, username, password_hash FROM users WHERE username = $1', [username], queryTimeoutMs),
        );
        const row = rows[0];
        return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : null;
      }),

    replaceKey: (userId, keyDigest) =>
      guarded('postgres', () =>
        withTransaction(pool, async (client) => {
          // Lock the user first so two concurrent re-issues run one after the other: the
          // second then sees (and revokes) the key the first one created.
          await client.query(timedQuery('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId], queryTimeoutMs));
          const { rows } = await client.query<{ key_digest: Buffer }>(
            timedQuery(
              'UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING key_digest',
              [userId],
              queryTimeoutMs,
            ),
          );
          await client.query(timedQuery('INSERT INTO api_keys (user_id, key_digest) VALUES ($1, $2)', [userId, keyDigest], queryTimeoutMs));
          // Delivered to every listening API process when this transaction commits.
          const revoked = rows.map((row) => row.key_digest);
          if (revoked.length > 0) {
            const payload = revoked.map((digest) => digest.toString('base64')).join(',');
            await client.query(timedQuery('SELECT pg_notify($1, $2)', [API_KEY_REVOKED_CHANNEL, payload], queryTimeoutMs));
          }
          return revoked;
        }),
      ),

    findUserIdByKeyDigest: (keyDigest) =>
      guarded('postgres', async () => {
        const { rows } = await pool.query<{ user_id: string }>(
          timedQuery('SELECT user_id FROM api_keys WHERE key_digest = $1 AND revoked_at IS NULL', [keyDigest], queryTimeoutMs),
        );
        return rows[0]?.user_id ?? null;
      }),
  };
}
