import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { replicatedSql, runsOnEveryReplica } from '../../../src/platform/replicated-ddl.ts';

const migration = (name: string) => readFileSync(new URL(`../../../migrations/clickhouse/${name}`, import.meta.url), 'utf8');

describe('replicated DDL', () => {
  it('turns the daily table into a ReplicatedReplacingMergeTree keyed by shard, database and table', () => {
    const sql = replicatedSql(migration('001_daily.sql'), 'covid');
    assert.match(sql, /\) ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/covid\/daily', '\{replica\}', version\)\nPARTITION BY toYear\(date\)/);
    assert.doesNotMatch(sql, /ENGINE = ReplacingMergeTree/);
    // Everything else as written: columns, partitioning, order, the {database} placeholder.
    assert.equal(sql.replace(/ENGINE = .*\n/, ''), migration('001_daily.sql').replace(/ENGINE = .*\n/, ''));
  });

  it('keeps statements without a MergeTree engine, and engines without arguments get none', () => {
    const alter = migration('003_daily_estimated_counts.sql');
    assert.equal(replicatedSql(alter, 'covid'), alter);
    const memory = 'CREATE TABLE {database}.scratch (x UInt8) ENGINE = Memory';
    assert.equal(replicatedSql(memory, 'covid'), memory);
    assert.equal(
      replicatedSql('CREATE TABLE IF NOT EXISTS {database}.events (x UInt8) ENGINE = MergeTree() ORDER BY x', 'db_1'),
      "CREATE TABLE IF NOT EXISTS {database}.events (x UInt8) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db_1/events', '{replica}') ORDER BY x",
    );
  });

  it('refuses what it cannot name in ZooKeeper', () => {
    assert.throws(() => replicatedSql('CREATE TABLE other.t (x UInt8) ENGINE = MergeTree() ORDER BY x', 'covid'), /cannot tell its replication path/);
    assert.throws(() => replicatedSql(migration('001_daily.sql'), "covid'; DROP"), /not a plain database name/);
  });

  it('runs an ALTER on one replica (the engine replicates it), everything else on each', () => {
    assert.equal(runsOnEveryReplica(migration('001_daily.sql')), true);
    assert.equal(runsOnEveryReplica(migration('002_daily_region.sql')), false);
    assert.equal(runsOnEveryReplica(migration('003_daily_estimated_counts.sql')), false);
  });
});
