// The cluster of `make up-cluster` as the cluster suite sees it: its environment (written by
// `infra/cluster/up.sh up` into .data/cluster/cluster.env), its programs killed by name through
// its supervisor (which starts them again), and Kafka's view of replicas and group members.
// The suite's own pipelines (test/faults/harness.ts) run on the cluster's brokers and stores with
// their own databases and topics; the API tests go through the cluster's HAProxy.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify, parseEnv } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { parseConfig, readEnvironment, type Config } from '../../src/platform/config.ts';
import { repoRoot } from '../support/paths.ts';
import { waitFor } from '../support/wait.ts';

const exec = promisify(execFile);
const UP = path.join(repoRoot, 'infra/cluster/up.sh');

export interface Cluster {
  /** The cluster's variables (DATABASE_URL, CLICKHOUSE_URL, KAFKA_BROKERS, CLUSTER_* ports). */
  env: Record<string, string>;
  brokers: string[];
  /** HAProxy's port, in front of the API processes. */
  port: number;
  apiPorts: number[];
  /** The configuration the cluster's programs run with (for seeding users, reading its stores). */
  config: Config;
}

const ports = (list: string | undefined) => (list ?? '').split(',').filter(Boolean).map(Number);

export function readCluster(): Cluster {
  const file = path.join(repoRoot, '.data/cluster/cluster.env');
  if (!existsSync(file)) throw new Error(`${file} is missing: start the cluster first (make up-cluster; make test-cluster does it)`);
  const env = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  const config = parseConfig({ ...readEnvironment(), ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  return { env, brokers: config.KAFKA_BROKERS, port: Number(env.CLUSTER_PORT), apiPorts: ports(env.CLUSTER_API_PORTS), config };
}

/** The pipeline settings that put a test's own pipeline (harness) on the cluster's brokers and ClickHouse. */
export function onCluster(cluster: Cluster): Record<string, string> {
  return {
    KAFKA_BROKERS: cluster.brokers.join(','),
    KAFKA_REPLICATION_FACTOR: '3',
    CLICKHOUSE_URL: cluster.env.CLICKHOUSE_URL ?? cluster.config.CLICKHOUSE_URL,
    // With replicas, the migrations create the replicated table (ReplicatedReplacingMergeTree).
    ...(cluster.env.CLICKHOUSE_CLUSTER ? { CLICKHOUSE_CLUSTER: cluster.env.CLICKHOUSE_CLUSTER } : {}),
  };
}

/** The ClickHouse replicas' URLs (CLICKHOUSE_URL's comma-separated list). */
export function replicaUrls(cluster: Cluster): string[] {
  return (cluster.env.CLICKHOUSE_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean);
}

/** infra/cluster/clickhouse.sh kill|stop|start N (the replicas' own script). */
export async function replicaCommand(command: 'kill' | 'stop' | 'start', replica: number): Promise<void> {
  await exec(path.join(repoRoot, 'infra/cluster/clickhouse.sh'), [command, String(replica)], { cwd: repoRoot, timeout: 180_000 });
}

async function up(...args: string[]): Promise<string> {
  const { stdout, stderr } = await exec(UP, args, { cwd: repoRoot, timeout: 120_000 });
  return `${stdout}${stderr}`;
}

/** The pid of one of the cluster's programs (kafka-2, api-1, sink-2 ...), if it runs. */
export async function programPid(name: string): Promise<number | undefined> {
  try {
    return Number((await up('pid', name)).trim());
  } catch {
    return undefined;
  }
}

/** SIGKILLs a cluster program; returns the moment of the kill. The cluster's supervisor starts it again. */
export async function killProgram(name: string): Promise<{ pid: number; at: number }> {
  const pid = await programPid(name);
  if (!pid) throw new Error(`${name} is not running under the cluster's supervisor`);
  process.kill(pid, 'SIGKILL');
  return { pid, at: Date.now() };
}

/** Waits until the supervisor runs the program again under a new pid; the moment it was seen. */
export async function waitRestarted(name: string, oldPid: number, timeoutMs = 120_000): Promise<number> {
  await waitFor(`${name} running again under the supervisor`, async () => {
    const pid = await programPid(name);
    return pid && pid !== oldPid ? pid : undefined;
  }, timeoutMs, 250);
  return Date.now();
}

async function withAdmin<T>(brokers: string[], use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: 'cluster-test-admin', bootstrapBrokers: brokers, retries: 3, retryDelay: 300, timeout: 5_000 });
  try {
    return await use(admin);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** The smallest in-sync replica set over the topic's partitions (3 = every partition fully replicated). */
export async function minInSyncReplicas(brokers: string[], topic: string): Promise<number> {
  return withAdmin(brokers, async (admin) => {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const partitions = metadata.topics.get(topic)?.partitions ?? [];
    return partitions.length === 0 ? 0 : Math.min(...partitions.map((p) => p.isr.length));
  });
}

/** How many members a consumer group has now. */
export async function groupMembers(brokers: string[], groupId: string): Promise<number> {
  return withAdmin(brokers, async (admin) => {
    const groups = await admin.describeGroups({ groups: [groupId] });
    return groups.get(groupId)?.members.size ?? 0;
  });
}

/** HAProxy's counters for one API server (stats CSV): times checked down, retries, redispatches. */
export async function haproxyServer(cluster: Cluster, server: string): Promise<{ chkdown: number; retries: number; redispatches: number; status: string }> {
  const csv = await (await fetch(`http://127.0.0.1:${cluster.env.CLUSTER_HAPROXY_STATS_PORT}/;csv`)).text();
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const row = rows.map((r) => r.split(',')).find((r) => r[0] === 'api' && r[1] === server);
  if (!row) throw new Error(`HAProxy's stats have no server api/${server}`);
  const value = (name: string) => row[columns.indexOf(name)] ?? '';
  return { chkdown: Number(value('chkdown')), retries: Number(value('wretr')), redispatches: Number(value('wredis')), status: value('status') };
}

/** One measured figure of the suite (time to recover, error rate), for docs/scaling.md and the closing note. */
export function report(line: string): void {
  console.log(`# cluster: ${line}`);
}
