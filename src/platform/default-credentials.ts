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
  const clickhouse = new URL(CLICKHOUSE_URL);
  if (clickhouse.password === '') {
    problems.push(`CLICKHOUSE_URL: user "${decodeURIComponent(clickhouse.username) || 'default'}" has no password; set a password of your own`);
  }
  return problems;
}
