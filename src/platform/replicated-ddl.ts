// The ClickHouse migrations as they run on a cluster's replicas (CLICKHOUSE_CLUSTER): a table's
// MergeTree engine becomes its Replicated twin, keyed in ZooKeeper by shard, database and table
// and named per replica by the server's macros. The files themselves stay as written (their
// checksums too): one text for the single server and the cluster.

/** A CREATE TABLE of `{database}.<table>` with a *MergeTree engine, or anything else (unchanged). */
const CREATE_TABLE = /^\s*(?:--.*\n\s*)*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\{database\}\.`?([A-Za-z_][A-Za-z0-9_]*)`?/i;
const ENGINE = /\bENGINE\s*=\s*((?:Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree)\s*\(([^)]*)\)/i;

/**
 * `sql` with `ENGINE = ReplacingMergeTree(version)` turned into
 * `ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/<database>/<table>', '{replica}', version)`.
 * Statements without a MergeTree engine (ALTER, CREATE ... ENGINE = Memory) come back unchanged.
 */
export function replicatedSql(sql: string, database: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a plain database name: ${database}`);
  const engine = ENGINE.exec(sql);
  if (!engine) return sql;
  const table = CREATE_TABLE.exec(sql)?.[1];
  if (!table) throw new Error(`a MergeTree engine outside a CREATE TABLE {database}.<table>: cannot tell its replication path`);
  const [whole, kind, args] = engine as unknown as [string, string, string];
  const replicated = [`'/clickhouse/tables/{shard}/${database}/${table}'`, `'{replica}'`, ...(args.trim() ? [args.trim()] : [])];
  return sql.replace(whole, `ENGINE = Replicated${kind}(${replicated.join(', ')})`);
}

/**
 * An ALTER of a replicated table is itself replicated (the replica that runs it writes the change
 * to ZooKeeper and waits for the others): it runs on one replica. Everything else (CREATE
 * DATABASE, CREATE TABLE) is local to a server and runs on each.
 */
export function runsOnEveryReplica(sql: string): boolean {
  return !/^\s*(?:--.*\n\s*)*ALTER\s+TABLE\b/i.test(sql);
}
