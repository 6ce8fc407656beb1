// The announcement of new data (migrations/postgres/007_data_versions.sql): whoever writes rows
// into ClickHouse (the sink) announces, once ClickHouse accepted them, the countries they were
// for; each gets a new version, and one NOTIFY tells every API process, which keep the versions
// in memory instead of asking a database on every request. Shared by the sink (writes) and the
// API (reads), which never import each other.
import type { Pool } from './postgres.ts';
import { withTransaction } from './postgres.ts';

export const DATA_VERSIONS_CHANNEL = 'covid_data_versions';

/** Country -> version, as announced (payload of a notification) or stored. */
export type CountryVersions = ReadonlyMap<string, bigint>;

/**
 * Gives each country a new version and notifies, in one transaction (NOTIFY is delivered at
 * commit, so a listener never hears of a version before it can read it). Countries are locked in
 * sorted order, so two sinks announcing overlapping sets cannot deadlock.
 */
export async function announceCountries(pool: Pool, countries: Iterable<string>, timeoutMs = 2_000): Promise<CountryVersions> {
  const sorted = [...new Set(countries)].sort();
  if (sorted.length === 0) return new Map();
  return withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const { rows } = await client.query<{ country: string; version: string }>(
      `INSERT INTO data_versions (country, version)
       SELECT country, nextval('data_version_seq') FROM unnest($1::text[]) WITH ORDINALITY AS t(country, position) ORDER BY position
       ON CONFLICT (country) DO UPDATE SET version = nextval('data_version_seq'), announced_at = now()
       RETURNING country, version`,
      [sorted],
    );
    const versions = new Map(rows.map((row) => [row.country, BigInt(row.version)]));
    await client.query('SELECT pg_notify($1, $2)', [DATA_VERSIONS_CHANNEL, encodeVersions(versions)]);
    return versions;
  });
}

/**
 * Calls `onAnnouncement` on every announcement (new versions or a new epoch) until the returned
 * function is called; holds one connection of the pool meanwhile. For a process that waits for
 * data to land (the pipeline's verify) and would otherwise only poll.
 */
export async function listenForAnnouncements(pool: Pool, onAnnouncement: () => void): Promise<() => Promise<void>> {
  const client = await pool.connect();
  const listener = ({ channel }: { channel: string }) => {
    if (channel === DATA_VERSIONS_CHANNEL) onAnnouncement();
  };
  client.on('notification', listener);
  try {
    await client.query(`LISTEN ${DATA_VERSIONS_CHANNEL}`);
  } catch (error) {
    client.removeListener('notification', listener);
    client.release(error as Error);
    throw error;
  }
  return async () => {
    client.removeListener('notification', listener);
    try {
      await client.query(`UNLISTEN ${DATA_VERSIONS_CHANNEL}`);
      client.release();
    } catch (error) {
      client.release(error as Error); // a broken connection is not put back in the pool
    }
  };
}

const EPOCH_PREFIX = 'epoch:';

/**
 * Gives the database a new epoch, which renews every version of every API process: for data
 * that changed without an announcement (written past the sink). Notified like versions.
 */
export async function rotateVersionEpoch(pool: Pool): Promise<string> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>('UPDATE data_version_epoch SET id = gen_random_uuid()::text RETURNING id');
    const id = rows[0]?.id ?? '';
    await client.query('SELECT pg_notify($1, $2)', [DATA_VERSIONS_CHANNEL, `${EPOCH_PREFIX}${id}`]);
    return id;
  });
}

/** The new epoch a notification announces, if it is about one. */
export function decodeEpoch(payload: string): string | undefined {
  return payload.startsWith(EPOCH_PREFIX) ? payload.slice(EPOCH_PREFIX.length) : undefined;
}

/** `RU:12,BR:13`: at most ~250 countries of ~10 bytes, far below NOTIFY's 8,000-byte limit. */
export function encodeVersions(versions: CountryVersions): string {
  return [...versions].map(([country, version]) => `${country}:${version}`).join(',');
}

/** The inverse of encodeVersions; entries that do not parse are left out. */
export function decodeVersions(payload: string): Map<string, bigint> {
  const versions = new Map<string, bigint>();
  for (const entry of payload.split(',')) {
    const match = /^([A-Z]{2}):(\d{1,19})$/.exec(entry);
    if (match) versions.set(match[1]!, BigInt(match[2]!));
  }
  return versions;
}

/** Runs one statement without parameters and returns its rows. */
export type SelectRows = (sql: string) => Promise<Record<string, unknown>[]>;

/** Every stored version: what a listener starts from (and re-reads). */
export async function readCountryVersions(select: SelectRows): Promise<Map<string, bigint>> {
  const rows = await select('SELECT country, version FROM data_versions');
  return new Map(rows.map((row) => [row.country as string, BigInt(row.version as string)]));
}

/** The database's epoch (migrations/postgres/007_data_versions.sql). */
export async function readVersionEpoch(select: SelectRows): Promise<string> {
  const rows = await select('SELECT id FROM data_version_epoch LIMIT 1');
  const id = rows[0]?.id;
  return typeof id === 'string' ? id : '';
}
