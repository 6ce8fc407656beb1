// Migrations are immutable once applied: every applied file is recorded with its checksum, an
// edited applied file stops `migrate` with a message naming it (nothing else runs), databases
// migrated before checksums existed get them recorded, and 003 removes claimed_until.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, appendFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { migrate, MigrationChangedError } from '../../../src/platform/migrations.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { repoRoot } from '../../support/paths.ts';
import { runCli } from '../../support/processes.ts';

describe('migrations', () => {
  let env: TestEnvironment;
  let pool: Pool;
  let clickhouse: ClickHouseClient;
  let copy: string;

  before(async () => {
    env = await createTestEnvironment();
    pool = createPool(env.config.DATABASE_URL, { max: 2 });
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
    copy = await mkdtemp(path.join(tmpdir(), 'covid-migrations-'));
    await cp(path.join(repoRoot, 'migrations'), copy, { recursive: true });
  });
  after(async () => {
    await rm(copy, { recursive: true, force: true });
    await clickhouse.close();
    await pool.end();
    await env.cleanup();
  });

  const checksums = async () =>
    new Map((await pool.query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM schema_migrations')).rows.map((r) => [r.name, r.checksum]));

  it('records a checksum for every applied file, and 003 leaves no claimed_until column', async () => {
    const recorded = await checksums();
    assert.ok(recorded.has('postgres/002_pipeline.sql'));
    assert.ok(recorded.has('postgres/003_drop_claimed_until.sql'));
    assert.ok(recorded.has(`clickhouse/001_daily.sql@${env.config.CLICKHOUSE_DATABASE}`));
    for (const [name, checksum] of recorded) assert.match(checksum ?? '', /^[0-9a-f]{64}$/, name);
    const { rows } = await pool.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'etl_tasks' AND column_name = 'claimed_until'");
    assert.equal(rows.length, 0);
  });

  it('a second run applies nothing', async () => {
    assert.deepEqual(await migrate(pool, clickhouse, env.config.CLICKHOUSE_DATABASE), { applied: [] });
  });

  it('a ClickHouse ADD COLUMN file applied but not recorded (the process died in between) is taken as done', async () => {
    const key = `clickhouse/002_daily_region.sql@${env.config.CLICKHOUSE_DATABASE}`;
    const before = await checksums();
    assert.equal((await pool.query('DELETE FROM schema_migrations WHERE name = $1', [key])).rowCount, 1);
    assert.deepEqual(await migrate(pool, clickhouse, env.config.CLICKHOUSE_DATABASE), { applied: [key] });
    assert.deepEqual(await checksums(), before);
  });

  it('records checksums on the first run over a database migrated before checksums existed', async () => {
    const before = await checksums();
    await pool.query('ALTER TABLE schema_migrations DROP COLUMN checksum');
    assert.deepEqual(await migrate(pool, clickhouse, env.config.CLICKHOUSE_DATABASE), { applied: [] });
    assert.deepEqual(await checksums(), before);
  });

  it('an edited applied file stops migrate, names the file and applies nothing else', async () => {
    await appendFile(path.join(copy, 'postgres/002_pipeline.sql'), '\n-- edited after it was applied\n');
    await writeFile(path.join(copy, 'postgres/099_later.sql'), 'CREATE TABLE later_migration (id int);\n');
    await assert.rejects(migrate(pool, clickhouse, env.config.CLICKHOUSE_DATABASE, { directory: copy }), (error: unknown) => {
      assert.ok(error instanceof MigrationChangedError);
      assert.equal(error.file, 'postgres/002_pipeline.sql');
      assert.match(error.message, /postgres\/002_pipeline\.sql was changed after it was applied/);
      return true;
    });
    const { rows } = await pool.query<{ later: string | null }>("SELECT to_regclass('later_migration') AS later");
    assert.equal(rows[0]?.later, null);
  });

  it('the migrate command exits 65 with a message naming the changed file', async () => {
    await pool.query("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE name = 'postgres/001_users.sql'");
    const { code, output } = await runCli(['migrate'], env.config);
    assert.equal(code, 65, output);
    assert.match(output, /migration postgres\/001_users\.sql was changed after it was applied/);
    assert.doesNotMatch(output, /at .*migrations\.ts/, 'no stack trace');
  });
});
