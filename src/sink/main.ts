// `covid-etl sink`: runs until SIGTERM/SIGINT (exit 0 after a clean stop) or a fatal error
// (exit 1). Stopping never commits what was not stored, so a second signal may exit at once.
import type { Config } from '../platform/config.ts';
import { listenForShutdown } from '../platform/lifecycle.ts';
import { createLogger } from '../platform/logger.ts';
import { createSinkContainer } from './container.ts';
import { startSinkHealth } from './health.ts';

export { createSink, startSink, type Sink, type SinkDeps, type SinkOptions, type SinkStats } from './sink.ts';

export async function runSink(config: Config): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL, 'sink');
  const { sink, resources, consumer, clickhouse } = await createSinkContainer(config, logger);
  try {
    const health = await startSinkHealth(config, { sink, consumer, clickhouse, logger });
    resources.add('health server', health, (server) => server.close());
  } catch (error) {
    logger.error({ err: error }, 'sink failed to start its health server');
    await resources.close(logger);
    return 1;
  }

  const signals = listenForShutdown(logger, { secondSignalExits: true });
  try {
    await sink.start();
    const outcome = await Promise.race([
      signals.received.then((name) => ({ signal: name })),
      sink.stopped.then(
        () => ({ error: undefined }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if ('signal' in outcome) {
      logger.info({ signal: outcome.signal }, 'shutting down');
      await sink.stop();
      return 0;
    }
    logger.error({ err: outcome.error }, 'sink stopped on a fatal error');
    return 1;
  } catch (error) {
    logger.error({ err: error }, 'sink failed to start');
    return 1;
  } finally {
    signals.stopping();
    await resources.close(logger);
    signals.dispose();
  }
}
