// The command table. Each command loads its module lazily, so `covid-etl --help` and a
// config error stay fast and a process role only loads the code it runs.
import { loadConfig } from '../platform/config.ts';

export interface Command {
  summary: string;
  options?: Record<string, { type: 'boolean' | 'string'; description: string }>;
  run(options: Record<string, string | boolean | undefined>): Promise<number>;
}

export const commands: Record<string, Command> = {
  migrate: {
    summary: 'create or upgrade PostgreSQL tables, ClickHouse tables and Kafka topics',
    run: async () => (await import('./migrate.ts')).runMigrate(loadConfig()),
  },
  serve: {
    summary: 'run the HTTP API server (API_PROCESSES processes, default one per core)',
    run: async () => (await import('../api/cluster.ts')).runServe(loadConfig()),
  },
  worker: {
    summary: 'run the pipeline worker (scheduled runs, job queue)',
    run: async () => (await import('../pipeline/main.ts')).runWorker(loadConfig()),
  },
  sink: {
    summary: 'run the Kafka -> ClickHouse sink',
    run: async () => (await import('../sink/main.ts')).runSink(loadConfig()),
  },
  run: {
    summary: 'start a pipeline run (or join the active one)',
    options: {
      wait: { type: 'boolean', description: 'wait for the run, show progress, exit 0 only if it succeeded' },
      reload: {
        type: 'string',
        description: 'ecdc, who, stopcoronavirus (comma-separated) or all: reprocess their whole history and publish what changed',
      },
    },
    run: async (options) => (await import('./run.ts')).runRun(loadConfig(), { wait: options.wait === true, reload: options.reload }),
  },
  runs: {
    summary: 'list the most recent pipeline runs (oldest first) and their tasks',
    options: {
      limit: { type: 'string', description: 'how many of the most recent runs to list (default 10)' },
      json: { type: 'boolean', description: 'print JSON ({"runs": [...]}, oldest first) instead of text' },
    },
    run: async (options) => (await import('./runs.ts')).runRuns(loadConfig(), { limit: options.limit, json: options.json === true }),
  },
};
