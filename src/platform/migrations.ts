// Applies the numbered SQL files in migrations/postgres and migrations/clickhouse, once each,
// in order. Safe when several processes start at once: everything runs under one PostgreSQL
// advisory lock, and each applied file is recorded (in PostgreSQL for both stores).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from './clickhouse.ts';
import { sqlIdentifier } from './clickhouse.ts';
import type { Pool } from './postgres.ts';

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LOCK_ID = 0x636f7669; // "covi": one lock id for the whole project

export interface MigrationResult {
  applied: string[];
}

async function listMigrations(store: 'postgres' | 'clickhouse'): Promise<{ name: string; sql: string }[]> {
  const dir = path.join(migrationsDir, store);
  const names = (await readdir(dir)).filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ name: `${store}/${name}`, sql: await readFile(path.join(dir, name), 'utf8') })));
}

export async function migrate(pool: Pool, clickhouse: ClickHouseClient, clickhouseDatabase: string): Promise<MigrationResult> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));

    for (const { name, sql } of await listMigrations('postgres')) {
      if (done.has(name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(name);
    }

    // ClickHouse has no transactions: its files are written to be re-runnable (IF NOT EXISTS)
    // and are recorded only after they succeeded.
    await clickhouse.command({ query: `CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(clickhouseDatabase)}` });
    for (const { name, sql } of await listMigrations('clickhouse')) {
      const key = `${name}@${clickhouseDatabase}`;
      if (done.has(key)) continue;
      await clickhouse.command({ query: sql.replaceAll('{database}', sqlIdentifier(clickhouseDatabase)) });
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1) ON CONFLICT DO NOTHING', [key]);
      applied.push(key);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    client.release();
  }
  return { applied };
}
