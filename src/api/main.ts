// The API server process: open the clients, build the app, listen; on SIGTERM or SIGINT stop
// accepting, let in-flight requests finish, then close the clients in reverse order.
import type { Config } from '../platform/config.ts';
import { createClickHouse } from '../platform/clickhouse.ts';
import { Resources, onShutdownSignal } from '../platform/lifecycle.ts';
import { createLogger } from '../platform/logger.ts';
import { createPool } from '../platform/postgres.ts';
import { once } from 'node:events';
import { buildApp, metricsRegistryOf } from './app.ts';
import { createMetricsServer } from './http/metrics-server.ts';
import { createApiDeps, storeTimeoutMs } from './container.ts';
import { withStatementTimeout } from './repositories/pg-query.ts';

export async function runApi(config: Config): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const resources = new Resources();
  try {
    const timeoutMs = storeTimeoutMs(config);
    const pool = resources.add(
      'postgres',
      createPool(withStatementTimeout(config.DATABASE_URL, timeoutMs), { applicationName: 'covid-etl-api' }),
      (p) => p.end(),
    );
    const clickhouse = resources.add(
      'clickhouse',
      createClickHouse({ url: config.CLICKHOUSE_READ_URL, database: config.CLICKHOUSE_DATABASE, requestTimeoutMs: timeoutMs }),
      (c) => c.close(),
    );
    // Exports stream on connections of their own (services/export-slots.ts).
    const exportClickhouse = resources.add(
      'clickhouse-exports',
      createClickHouse({
        url: config.CLICKHOUSE_READ_URL,
        database: config.CLICKHOUSE_DATABASE,
        requestTimeoutMs: timeoutMs,
        maxOpenConnections: config.EXPORT_CONCURRENCY,
      }),
      (c) => c.close(),
    );
    const deps = await createApiDeps({ config, logger, pool, clickhouse, exportClickhouse });
    resources.add('notifications', deps.changes, (changes) => changes.close());
    const app = await buildApp(deps);
    // Closing the app stops accepting, answers 503 to new requests on kept-alive connections
    // and waits for in-flight ones.
    resources.add('http', app, (a) => a.close());

    const stopped = new Promise<void>((resolve) => {
      onShutdownSignal(async () => {
        await resources.close(logger);
        resolve();
      }, logger);
    });
    if (config.METRICS_PORT !== 0) {
      const metricsServer = resources.add(
        'metrics',
        createMetricsServer(metricsRegistryOf(app), config.METRICS_TOKEN),
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      );
      metricsServer.listen(config.METRICS_PORT, '127.0.0.1');
      await once(metricsServer, 'listening');
    }
    await app.listen({ port: config.PORT, host: config.HOST });
    await stopped;
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'api server failed');
    await resources.close(logger);
    return 1;
  }
}
