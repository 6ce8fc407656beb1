// The stores' well-known default credentials (postgres:postgres, a ClickHouse user without a
// password) are fine on a developer's loopback, never in production: there they stop the process.
// So does an API that would read ClickHouse with the pipeline's (read-write) user.

interface StoreUrls {
  DATABASE_URL: string;
  CLICKHOUSE_URL: string;
  CLICKHOUSE_READ_URL: string;
}

/** One message per store URL that still carries a default credential; empty when none does. */
export function defaultCredentialProblems({ DATABASE_URL, CLICKHOUSE_URL, CLICKHOUSE_READ_URL }: StoreUrls): string[] {
  const problems: string[] = [];
  const postgres = new URL(DATABASE_URL);
  if (postgres.password === '' || decodeURIComponent(postgres.password) === 'postgres') {
    problems.push('DATABASE_URL: uses the default password (empty or "postgres"); set a password of your own');
  }
  const writers = clickhouseUsers('CLICKHOUSE_URL', CLICKHOUSE_URL, problems);
  const readers = clickhouseUsers('CLICKHOUSE_READ_URL', CLICKHOUSE_READ_URL, problems);
  const shared = [...readers].filter((user) => writers.has(user));
  if (shared.length > 0) {
    problems.push(`CLICKHOUSE_READ_URL: uses the pipeline's user "${shared.join('", "')}" (CLICKHOUSE_URL); give the API a read-only user`);
  }
  return problems;
}

/** The users a ClickHouse URL list names; every replica listed (comma-separated) is held to the password rule. */
function clickhouseUsers(variable: string, value: string, problems: string[]): Set<string> {
  const users = new Set<string>();
  const entries = value.split(',');
  for (const [i, entry] of entries.entries()) {
    const url = new URL(entry.trim());
    const user = decodeURIComponent(url.username) || 'default';
    users.add(user);
    const where = entries.length > 1 ? ` (entry ${i + 1})` : '';
    if (url.password === '') problems.push(`${variable}${where}: user "${user}" has no password; set a password of your own`);
  }
  return users;
}
