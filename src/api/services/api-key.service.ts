// Checks an API key: shape and checksum first (no I/O), then one indexed lookup of its SHA-256
// digest, remembered for a short while so a hot key costs a hash and a map lookup.
//
// Bounds: a key revoked by a re-issue in this process is forgotten at once; one revoked through
// another process when its notification arrives (services/change-feed.ts), and never later than
// `positiveTtlMs`. Unknown keys are remembered too (`negativeTtlMs`): a digest that was unknown
// can never become valid later, since keys are 256 random bits and a revoked key never comes
// back, so that cache cannot be wrong; it only spares the database from repeated guesses. The
// two kinds live in separate maps, each with its own bound, so a flood of random keys evicts
// only other unknown keys, never a real one; and a per-address limit on failed checks
// (http/authenticate.ts) stops the lookups of a client that keeps guessing.
//
// Refresh ahead: a known key used in the last `refreshAheadMs` of its cache time is looked up
// again in the background while it is still answered from memory, so a key in steady use never
// expires into the full path (under load, every key cached in the same second expired in the
// same second: a burst of Fastify requests each waiting on PostgreSQL, every positiveTtlMs). The
// bound above is unchanged: only a lookup that finds the key live extends its time, counted from
// that lookup; one that finds it revoked forgets it at once.
import type { TimeSource } from '../../platform/clock.ts';
import type { UsersRepository } from '../repositories/users.repository.ts';
import { AppError } from '../errors.ts';
import { API_KEY_LENGTH, apiKeyDigestText, isWellFormedApiKey } from './api-key-format.ts';

export interface ApiKeyService {
  /** The id of the user owning this live key; throws `unauthenticated` otherwise. */
  authenticate(key: string | undefined): Promise<string>;
  /** Forgets keys that were just revoked (here or, told by a notification, in another process). */
  forget(digests: readonly Buffer[]): void;
  /** Whether authenticating this key now would need no database lookup (a live cache entry). */
  isCached(key: string): boolean;
  /** Forgets every live key: revocations may have been missed (services/change-feed.ts). */
  forgetAll(): void;
  /**
   * The user of a key live in the cache, without I/O; undefined when it is not (unknown keys
   * included): the caller then takes the full check. No format check: a digest in the cache of
   * known keys came from a key that passed it, and SHA-256 admits no other string to it.
   * `now`: the clock's time, when the caller already read it (one reading per request).
   */
  cachedUser(key: string, now?: number): string | undefined;
}

export interface ApiKeyCacheOptions {
  positiveTtlMs: number;
  negativeTtlMs: number;
  /** A known key used this close to its expiry is looked up again in the background (none or 0: never). */
  refreshAheadMs?: number;
  /** Bound of each of the two caches (known keys, unknown keys). */
  maxEntries: number;
}

export const DEFAULT_KEY_CACHE: ApiKeyCacheOptions = { positiveTtlMs: 5_000, negativeTtlMs: 60_000, refreshAheadMs: 1_000, maxEntries: 100_000 };

type Cache = Map<string, Entry>;

interface Entry {
  userId: string | null;
  expiresAt: number;
}

export function createApiKeyService(
  users: Pick<UsersRepository, 'findUserIdByKeyDigest'>,
  clock: TimeSource,
  options: ApiKeyCacheOptions = DEFAULT_KEY_CACHE,
): ApiKeyService {
  const known: Cache = new Map();
  const unknown: Cache = new Map();
  const lookups = new Map<string, Promise<string | null>>();
  const refreshAheadMs = options.refreshAheadMs ?? 0;
  // The direct path's memory of the SHA-256 of keys live in `known` (raw key -> digest), so that
  // a hot key costs two map lookups instead of a hash (3 % of a cached answer's CPU). An entry
  // serves only while its digest is live in `known`, and goes with it: a revocation or an expiry
  // works through `known` as before. The trade-off: raw keys in memory, so the map is emptied
  // every positiveTtlMs (on the first call after) and holds at most maxEntries.
  const hotDigests = new Map<string, string>();
  let hotDigestsUntil = 0;

  const remember = (id: string, userId: string | null) => {
    const cache = userId === null ? unknown : known;
    if (cache.size >= options.maxEntries) {
      // Drop the oldest insertion; entries also expire, so this only matters under a flood.
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(id, { userId, expiresAt: clock.now() + (userId === null ? options.negativeTtlMs : options.positiveTtlMs) });
  };

  /** The live entry of a digest in one cache, if any (an expired one is dropped). */
  const liveIn = (cache: Cache, id: string, now = clock.now()): Entry | undefined => {
    const entry = cache.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry;
    cache.delete(id);
    return undefined;
  };
  const cached = (id: string): Entry | undefined => liveIn(known, id) ?? liveIn(unknown, id);

  const lookup = (id: string): Promise<string | null> => {
    let pending = lookups.get(id);
    if (!pending) {
      const flight: Promise<string | null> = users.findUserIdByKeyDigest(Buffer.from(id, 'base64')).then(
        (userId) => {
          // forget() during the lookup removed it: the answer may predate the revocation.
          if (lookups.get(id) === flight) {
            lookups.delete(id);
            // A refresh that finds the key revoked (its notification missed) ends its cached life.
            if (userId === null) known.delete(id);
            remember(id, userId);
          }
          return userId;
        },
        (error: unknown) => {
          if (lookups.get(id) === flight) lookups.delete(id);
          throw error;
        },
      );
      lookups.set(id, flight);
      pending = flight;
    }
    return pending;
  };

  /** A live known entry near its end, used now: looked up again unless a lookup is under way. */
  const refreshAhead = (id: string, entry: Entry, now: number) => {
    if (entry.expiresAt - now > refreshAheadMs || lookups.has(id)) return;
    // A failure leaves the entry to expire: the full path then reports it.
    lookup(id).catch(() => {});
  };

  const refuse = () => new AppError('unauthenticated', 'a valid API key is required in the x-key header');

  return {
    async authenticate(key) {
      if (key === undefined || !isWellFormedApiKey(key)) throw refuse();
      const id = apiKeyDigestText(key);
      const entry = cached(id);
      if (entry?.userId) refreshAhead(id, entry, clock.now());
      const userId = entry ? entry.userId : await lookup(id);
      if (userId === null) throw refuse();
      return userId;
    },

    forget(digests) {
      for (const digest of digests) {
        const id = digest.toString('base64');
        known.delete(id);
        lookups.delete(id);
      }
    },

    isCached(key) {
      return isWellFormedApiKey(key) && cached(apiKeyDigestText(key)) !== undefined;
    },

    cachedUser(key, now = clock.now()) {
      if (now >= hotDigestsUntil) {
        hotDigests.clear();
        hotDigestsUntil = now + options.positiveTtlMs;
      }
      let id = hotDigests.get(key);
      const memorized = id !== undefined;
      if (id === undefined) {
        if (key.length !== API_KEY_LENGTH) return undefined;
        id = apiKeyDigestText(key);
      }
      const entry = liveIn(known, id, now);
      const userId = entry?.userId ?? undefined;
      if (userId === undefined) {
        if (memorized) hotDigests.delete(key);
        return undefined;
      }
      refreshAhead(id, entry!, now);
      if (!memorized) {
        if (hotDigests.size >= options.maxEntries) hotDigests.delete(hotDigests.keys().next().value!);
        hotDigests.set(key, id);
      }
      return userId;
    },

    forgetAll() {
      // Unknown keys stay remembered: they cannot have become valid.
      known.clear();
      lookups.clear();
      hotDigests.clear();
    },
  };
}
