// The stores' well-known default credentials (postgres:postgres, ClickHouse `default` without a
// password) are fine on a developer's loopback, never in production: there they stop the process.

interface StoreUrls {
  DATABASE_URL: string;
  CLICKHOUSE_URL: string;
}

/** One message per store URL that still carries a default credential; empty when none does. */
export function defaultCredentialProblems({ DATABASE_URL, CLICKHOUSE_URL }: StoreUrls): string[] {
  const problems: string[] = [];
  const postgres = new URL(DATABASE_URL);
  if (postgres.password === '' || decodeURIComponent(postgres.password) === 'postgres') {
    problems.push('DATABASE_URL: uses the default password (empty or "postgres"); set a password of your own');
  }
  // Every replica listed (comma-separated) is held to the same rule.
  const clickhouseUrls = CLICKHOUSE_URL.split(',');
  for (const [i, entry] of clickhouseUrls.entries()) {
    const clickhouse = new URL(entry.trim());
    const where = clickhouseUrls.length > 1 ? ` (entry ${i + 1})` : '';
    if (clickhouse.password === '') {
      problems.push(`CLICKHOUSE_URL${where}: user "${decodeURIComponent(clickhouse.username) || 'default'}" has no password; set a password of your own`);
    }
  }
  return problems;
}
