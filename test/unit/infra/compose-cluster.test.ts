// The compose profile `cluster` (infra/compose.yaml) cannot be run here (no Docker engine): this
// checks that it parses and describes the same cluster as the native one (infra/cluster/): the
// same programs, the Kafka settings of infra/cluster/kafka.properties, the application on three
// brokers with replication factor 3 and its own databases, and HAProxy's configuration.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../support/paths.ts';

interface Service {
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
}

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const compose = parse(read('infra/compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const cluster = Object.fromEntries(Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('cluster')));

/** key=value lines of a .properties file. */
function properties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([a-z][a-z0-9.]*)=(.*)$/.exec(line.trim());
    if (match) map.set(match[1]!, match[2]!);
  }
  return map;
}

/** How many instances env.sh starts by default (its default port list for the role). */
function nativeCount(variable: string): number {
  const match = new RegExp(`\\$\\{${variable}:-([0-9,]+)\\}`).exec(read('infra/cluster/env.sh'));
  assert.ok(match, `${variable} has no default in infra/cluster/env.sh`);
  return match[1]!.split(',').length;
}

describe('compose profile "cluster"', () => {
  it('has the native cluster\'s programs: three Kafka nodes, the roles twice, HAProxy', () => {
    const count = (command: string) => Object.values(cluster).filter((s) => s.command?.[0] === command).length;
    assert.deepEqual(['kafka-1', 'kafka-2', 'kafka-3'].filter((n) => cluster[n]), ['kafka-1', 'kafka-2', 'kafka-3']);
    assert.equal(count('worker'), nativeCount('CLUSTER_WORKER_HEALTH_PORTS'));
    assert.equal(count('sink'), nativeCount('CLUSTER_SINK_HEALTH_PORTS'));
    assert.equal(count('serve'), nativeCount('CLUSTER_API_PORTS'));
    assert.equal(count('migrate'), 1);
    assert.ok(cluster.haproxy, 'no haproxy service in the profile');
    assert.ok(cluster.haproxy.volumes?.some((v) => v.startsWith('./cluster/haproxy.compose.cfg:')), 'haproxy does not mount infra/cluster/haproxy.compose.cfg');
  });

  it('runs the application on the three brokers with replication factor 3, one process each, on its own databases', () => {
    const apps = Object.entries(cluster).filter(([, s]) => s.command && ['worker', 'sink', 'serve', 'migrate'].includes(s.command[0]!));
    assert.equal(apps.length, 7);
    for (const [name, service] of apps) {
      const env = service.environment ?? {};
      assert.equal(env.KAFKA_BROKERS, 'kafka-1:19092,kafka-2:19092,kafka-3:19092', name);
      assert.equal(String(env.KAFKA_REPLICATION_FACTOR), '3', name);
      assert.equal(String(env.API_PROCESSES), '1', name);
      assert.match(String(env.DATABASE_URL), /\/covid_cluster$/, name);
      assert.equal(env.CLICKHOUSE_DATABASE, 'covid_cluster', name);
    }
    assert.match(read('infra/cluster/postgres-init.sql'), /CREATE DATABASE covid_cluster;/);
  });

  it('configures each Kafka node as infra/cluster/kafka.properties does', () => {
    const native = properties(read('infra/cluster/kafka.properties'));
    const required = ['default.replication.factor', 'min.insync.replicas', 'unclean.leader.election.enable', 'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'broker.session.timeout.ms', 'replica.lag.time.max.ms', 'num.partitions'];
    assert.equal(native.get('min.insync.replicas'), '2');
    assert.equal(native.get('default.replication.factor'), '3');
    const ids = new Set<string>();
    for (const name of ['kafka-1', 'kafka-2', 'kafka-3']) {
      const env = cluster[name]!.environment ?? {};
      for (const key of required) {
        const variable = `KAFKA_${key.toUpperCase().replaceAll('.', '_')}`;
        assert.equal(String(env[variable]), native.get(key), `${name}: ${variable} differs from ${key} in kafka.properties`);
      }
      assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093', name);
      assert.equal(env.KAFKA_PROCESS_ROLES, native.get('process.roles'), name);
      ids.add(String(env.KAFKA_NODE_ID));
      assert.match(String(env.KAFKA_ADVERTISED_LISTENERS), new RegExp(`INTERNAL://${name}:19092`), name);
    }
    assert.deepEqual([...ids].sort(), ['1', '2', '3']);
  });

  it('gives HAProxy the native configuration, apart from addresses', () => {
    // Comments, bind and server lines and Docker's resolver differ on purpose; nothing else may.
    const significant = (text: string) => text.split('\n').map((l) => l.trimEnd())
      .filter((l) => l && !l.trimStart().startsWith('#') && !/^\s*(bind|server)\s/.test(l) && l !== '@SERVERS@');
    const native = significant(read('infra/cluster/haproxy.cfg'));
    const composed = significant(read('infra/cluster/haproxy.compose.cfg'));
    const resolvers = composed.indexOf('resolvers docker');
    assert.ok(resolvers > 0, 'no Docker DNS resolver section');
    assert.deepEqual(composed.slice(0, resolvers), native);
    assert.ok(native.includes('  option httpchk GET /readyz'));
  });
});
