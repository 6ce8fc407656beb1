// Every acquired resource pushes its release here; close() releases them in reverse order,
// once, whatever fails. Process roles call onShutdownSignal() (or, to decide themselves what a
// signal does, listenForShutdown()) so SIGTERM/SIGINT close cleanly.
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

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownSignals {
  /** Resolves with the name of the first SIGTERM or SIGINT. */
  readonly received: Promise<string>;
  /** The process is stopping for another reason: the next signal counts as a second one. */
  stopping(): void;
  /** Stops listening. */
  dispose(): void;
}

export interface ShutdownSignalOptions {
  /**
   * A second signal exits at once with status 1 (for a role whose stop may take long and never
   * loses anything by being cut short); otherwise later signals are ignored.
   */
  secondSignalExits?: boolean;
  /** process.exit, replaceable in tests. */
  exit?: (code: number) => void;
}

export function listenForShutdown(logger: Logger, { secondSignalExits = false, exit = (code) => process.exit(code) }: ShutdownSignalOptions = {}): ShutdownSignals {
  let stopping = false;
  const received = Promise.withResolvers<string>();
  const onSignal = (signal: string) => {
    if (!stopping) {
      stopping = true;
      received.resolve(signal);
    } else if (secondSignalExits) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the shutdown to finish');
      exit(1);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  return {
    received: received.promise,
    stopping: () => void (stopping = true),
    dispose: () => {
      for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
    },
  };
}

/** On the first SIGTERM/SIGINT: `shutdown`, then exit 0 (1 if it failed); later signals are ignored. */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>, logger: Logger): void {
  void listenForShutdown(logger).received.then((signal) => {
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
