// The data versions this process knows, in memory: one per country, and one for everything
// (which changes whenever any country's does). Read on every data request without any I/O; kept
// current by data-version-sync.ts, which is told of each batch the sink stored.
//
// A version is served as a token: a digest of the database's epoch (a new one when the database
// is recreated, or when ClickHouse changed without an announcement: everything is new then) and
// the number. Every process that knows the same versions gives the same tokens, so ETags hold
// across processes. Tokens are computed when a version changes, never per request.
import { createHash } from 'node:crypto';

export interface DataVersionService {
  /** The token of all data: for answers that depend on more than one country. */
  all(): string;
  /** The token of one country's rows (ISO code). */
  country(code: string): string;
}

export interface DataVersionState extends DataVersionService {
  /** Takes newer versions (older or equal ones are ignored); returns the countries that changed. */
  apply(versions: ReadonlyMap<string, bigint>): string[];
  /** Everything is new: another epoch. */
  renew(epoch: string): void;
}

function token(...parts: (string | bigint)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('base64url').slice(0, 16);
}

export function createDataVersionState(epoch = ''): DataVersionState {
  const versions = new Map<string, bigint>();
  const tokens = new Map<string, string>();
  // The sum of all versions: it grows with every change, whatever order announcements commit in.
  let total = 0n;
  let base = '';
  let allToken = '';
  let unannounced = '';

  const recompute = () => {
    allToken = token(base, 'all', total);
    unannounced = token(base, 'country', 0n);
  };
  const setBase = (nextEpoch: string) => {
    base = nextEpoch;
    tokens.clear();
    for (const [country, version] of versions) tokens.set(country, token(base, 'country', version));
    recompute();
  };
  setBase(epoch);

  return {
    all: () => allToken,
    country: (code) => tokens.get(code) ?? unannounced,

    apply(next) {
      const changed: string[] = [];
      for (const [country, version] of next) {
        const previous = versions.get(country) ?? 0n;
        if (version <= previous) continue;
        versions.set(country, version);
        total += version - previous;
        tokens.set(country, token(base, 'country', version));
        changed.push(country);
      }
      if (changed.length > 0) allToken = token(base, 'all', total);
      return changed;
    },

    renew: setBase,
  };
}
