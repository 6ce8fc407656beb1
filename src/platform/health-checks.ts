// The dependency checks the roles' readiness uses (src/platform/health-server.ts): each resolves
// when the service answers a cheap request now, and rejects with the reason otherwise.
import type { Base } from '@platformatic/kafka';
import type { ClickHouseClient } from './clickhouse.ts';
import type { DependencyCheck } from './health-server.ts';
import type { Pool } from './postgres.ts';

export function postgresCheck(pool: Pool): DependencyCheck {
  return () => pool.query('SELECT 1');
}

export function clickhouseCheck(client: ClickHouseClient): DependencyCheck {
  return async (signal) => {
    const result = await client.ping({ select: true, abort_signal: signal });
    if (!result.success) throw result.error;
  };
}

/** Fresh metadata of `topic` from the brokers (not the client's cache), over the client's own connections. */
export function kafkaCheck(client: Pick<Base, 'metadata'>, topic: string): DependencyCheck {
  return () => client.metadata({ topics: [topic], forceUpdate: true, retries: 0 });
}
