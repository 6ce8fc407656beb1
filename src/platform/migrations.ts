// Applies the numbered SQL files in migrations/postgres and migrations/clickhouse, once each,
// in order. Safe when several processes start at once: everything runs under one PostgreSQL
// advisory lock, and each applied file is recorded (in PostgreSQL for both stores) with the
// SHA-256 of its text. A file that has been applied never changes (the next change is the next
// file): when an applied file's checksum differs, nothing runs and the error names the file.
// Databases migrated before checksums were recorded get them on their first run.
// With a ClickHouse cluster (CLICKHOUSE_CLUSTER) the ClickHouse files create replicated tables on
// every replica (platform/replicated-ddl.ts) and are recorded as `name@database@cluster`.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from './clickhouse.ts';
import { sqlIdentifier } from './clickhouse.ts';
import { replicatedSql, runsOnEveryReplica } from './replicated-ddl.ts';
import type { Pool, PoolClient } from './postgres.ts';

const defaultMigrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LOCK_ID = 0x636f7669; // "covi": one lock id for the whole project

export interface MigrationResult {
  applied: string[];
}

export interface MigrateOptions {
  /** The folder holding postgres/ and clickhouse/ (the repository's migrations/ by default). */
  directory?: string;
  /** The remote_servers cluster and one client per replica (each URL of CLICKHOUSE_URL). */
  cluster?: ClickHouseCluster | undefined;
}

export interface ClickHouseCluster {
  name: string;
  replicas: readonly { url: string; client: ClickHouseClient }[];
}

/** An applied migration file whose text is no longer what was applied. */
export class MigrationChangedError extends Error {
  override name = 'MigrationChangedError';
  readonly file: string;

  constructor(file: string, recorded: string, current: string) {
    super(
      `migration ${file} was changed after it was applied (applied sha256 ${recorded.slice(0, 12)}, ` +
        `file now ${current.slice(0, 12)}): restore the applied text and put the change in a new numbered file`,
    );
    this.file = file;
  }
}

interface Migration {
  /** `postgres/002_pipeline.sql`; ClickHouse files are recorded as `name@database`. */
  name: string;
  sql: string;
  checksum: string;
}

export const migrationChecksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

async function listMigrations(directory: string, store: 'postgres' | 'clickhouse'): Promise<Migration[]> {
  const dir = path.join(directory, store);
  const names = (await readdir(dir)).filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name: `${store}/${name}`, sql, checksum: migrationChecksum(sql) };
    }),
  );
}

/**
 * Compares every applied file with its record; records the checksum where none was kept yet (a
 * database migrated before checksums existed). Throws MigrationChangedError before anything runs.
 */
async function checkApplied(client: PoolClient, files: readonly { key: string; migration: Migration }[]): Promise<Set<string>> {
  const recorded = new Map(
    (await client.query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM schema_migrations')).rows.map((r) => [
      r.name,
      r.checksum,
    ]),
  );
  for (const { key, migration } of files) {
    if (!recorded.has(key)) continue;
    const checksum = recorded.get(key);
    if (checksum === null || checksum === undefined) {
      await client.query('UPDATE schema_migrations SET checksum = $2 WHERE name = $1', [key, migration.checksum]);
    } else if (checksum !== migration.checksum) {
      throw new MigrationChangedError(migration.name, checksum, migration.checksum);
    }
  }
  return new Set(recorded.keys());
}

/**
 * ClickHouse 18.16 has no `ADD COLUMN IF NOT EXISTS`, so a file of `ADD COLUMN`s that ran but
 * was not recorded (the process died in between) fails when run again with "column ... already
 * exists" (code 44): that means it was applied, and is taken as done.
 */
async function runClickHouseMigration(clickhouse: ClickHouseClient, query: string): Promise<void> {
  try {
    await clickhouse.command({ query });
  } catch (error) {
    // 18.16's errors are plain text ("Code: 44, e.displayText() = ..."); current releases' are typed.
    const { code, message = '' } = error as { code?: string; message?: string };
    const columnExists = (code === '44' || /\bCode: 44\b/.test(message)) && /already exists/.test(message);
    const reapplied = columnExists && /^\s*(--.*\n\s*)*ALTER TABLE\b[^;]*$/i.test(query);
    if (!reapplied) throw error;
  }
}

/** Where each ClickHouse statement runs: the one server, or the cluster's replicas. */
interface ClickHouseTarget {
  /** Suffix of the record's key: the same file is applied once per database and per target. */
  key: string;
  prepare(): Promise<void>;
  run(sql: string): Promise<void>;
}

function singleServer(clickhouse: ClickHouseClient, database: string): ClickHouseTarget {
  return {
    key: `@${database}`,
    prepare: async () => void (await clickhouse.command({ query: `CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(database)}` })),
    run: (sql) => runClickHouseMigration(clickhouse, sql.replaceAll('{database}', sqlIdentifier(database))),
  };
}

function replicaSet({ name, replicas }: ClickHouseCluster, database: string): ClickHouseTarget {
  if (replicas.length === 0) throw new Error(`ClickHouse cluster ${name}: no replica URL`);
  // A failure names the replica (its URL without the password) and the cluster.
  const onReplica = async (index: number, work: (client: ClickHouseClient) => Promise<void>) => {
    const { url, client } = replicas[index]!;
    try {
      await work(client);
    } catch (error) {
      const where = new URL(url);
      throw new Error(`ClickHouse replica ${index + 1} of cluster ${name} (${where.host}): ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    key: `@${database}@${name}`,
    async prepare() {
      for (const index of replicas.keys()) {
        await onReplica(index, async (client) => {
          // The server must know the cluster and name itself ({shard}, {replica}): otherwise a
          // replicated table would fail to create, or worse, two replicas would share a name.
          const result = await client.query({
            query: `SELECT (SELECT count() FROM system.clusters WHERE cluster = '${name}'), (SELECT count() FROM system.macros WHERE macro IN ('shard', 'replica'))`,
            format: 'TabSeparated',
          });
          const [clusterHosts, macros] = (await result.text()).trim().split('\t').map(Number);
          if (!clusterHosts) throw new Error(`the server has no remote_servers cluster "${name}" (CLICKHOUSE_CLUSTER)`);
          if (macros !== 2) throw new Error('the server lacks the {shard} and {replica} macros a replicated table is named by');
          await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(database)}` });
        });
      }
    },
    async run(sql) {
      const query = replicatedSql(sql, database).replaceAll('{database}', sqlIdentifier(database));
      const targets = runsOnEveryReplica(sql) ? [...replicas.keys()] : [0];
      for (const index of targets) await onReplica(index, (client) => runClickHouseMigration(client, query));
    },
  };
}

export async function migrate(
  pool: Pool,
  clickhouse: ClickHouseClient,
  clickhouseDatabase: string,
  { directory = defaultMigrationsDir, cluster }: MigrateOptions = {},
): Promise<MigrationResult> {
  const target = cluster ? replicaSet(cluster, clickhouseDatabase) : singleServer(clickhouse, clickhouseDatabase);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');

    const postgres = await listMigrations(directory, 'postgres');
    const clickhouseFiles = await listMigrations(directory, 'clickhouse');
    const done = await checkApplied(client, [
      ...postgres.map((migration) => ({ key: migration.name, migration })),
      ...clickhouseFiles.map((migration) => ({ key: `${migration.name}${target.key}`, migration })),
    ]);

    for (const { name, sql, checksum } of postgres) {
      if (done.has(name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [name, checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(name);
    }

    // ClickHouse has no transactions: its files are written to be re-runnable (IF NOT EXISTS)
    // and are recorded only after they succeeded.
    await target.prepare();
    for (const { name, sql, checksum } of clickhouseFiles) {
      const key = `${name}${target.key}`;
      if (done.has(key)) continue;
      await target.run(sql);
      await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2) ON CONFLICT DO NOTHING', [key, checksum]);
      applied.push(key);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    client.release();
  }
  return { applied };
}
