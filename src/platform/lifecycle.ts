// Every acquired resource pushes its release here; close() releases them in reverse order,
// once, whatever fails. Process roles call onShutdownSignal() so SIGTERM/SIGINT close cleanly.
import type { Logger } from './logger.ts';

export class Resources {
  readonly #releases: { name: string; release: () => unknown }[] = [];
  #closing: Promise<void> | undefined;

  add<T>(name: string, resource: T, release: (resource: T) => unknown): T {
    this.#releases.push({ name, release: () => release(resource) });
    return resource;
  }

  close(logger?: Logger): Promise<void> {
    this.#closing ??= (async () => {
      for (const { name, release } of this.#releases.reverse()) {
        try {
          await release();
        } catch (error) {
          logger?.warn({ err: error, resource: name }, 'failed to release resource');
        }
      }
    })();
    return this.#closing;
  }
}

export function onShutdownSignal(shutdown: (signal: string) => Promise<void>, logger: Logger): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
