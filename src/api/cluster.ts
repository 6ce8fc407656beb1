// `covid-etl serve`: API_PROCESSES API processes sharing one port (node:cluster; the primary
// hands out connections round-robin). Each process is a whole API (main.ts) with its own
// clients and caches; what must agree across them does so through PostgreSQL: data versions
// and revoked keys are notified to every process (services/change-feed.ts). Limits counted in
// memory (rate limits, load shedding) and /metrics are per process.
//
// The primary only supervises: a process that dies is started again (after 1 s, doubling to
// 30 s while they keep dying young); SIGTERM/SIGINT is passed on, and the primary exits once
// every process finished its requests and closed.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { runApi } from './main.ts';

const RESTART_MS = { initial: 1_000, max: 30_000 };
/** A process that lived this long was healthy: its successor starts without waiting. */
const HEALTHY_MS = 10_000;

export async function runServe(config: Config): Promise<number> {
  if (config.API_PROCESSES === 1 || cluster.isWorker) return runApi(config);
  return runPrimary(config);
}

function runPrimary(config: Config): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL, 'api-primary');
  let stopping = false;
  let delay = RESTART_MS.initial;
  const startedAt = new Map<Worker, number>();

  const fork = () => startedAt.set(cluster.fork(), Date.now());
  for (let i = 0; i < config.API_PROCESSES; i++) fork();
  logger.info({ processes: config.API_PROCESSES, port: config.PORT }, 'api processes starting');

  return new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      if (stopping) {
        if (startedAt.size === 0) {
          logger.info('api processes stopped');
          resolve(0);
        }
        return;
      }
      // Exit 0 only follows a SIGTERM/SIGINT sent to that process: it was meant to stop.
      if (code === 0 && signal === null) {
        logger.warn({ pid: worker.process.pid }, 'an api process was stopped on its own; not replacing it');
        if (startedAt.size === 0) resolve(0);
        return;
      }
      if (lived >= HEALTHY_MS) delay = RESTART_MS.initial;
      const wait = lived >= HEALTHY_MS ? 0 : delay;
      if (lived < HEALTHY_MS) delay = Math.min(RESTART_MS.max, delay * 2);
      logger.error({ pid: worker.process.pid, code, signal, restartInMs: wait }, 'an api process died; starting another');
      setTimeout(() => {
        if (!stopping) fork();
      }, wait);
    });

    for (const name of ['SIGTERM', 'SIGINT'] as const) {
      process.on(name, () => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal: name }, 'stopping the api processes');
        if (startedAt.size === 0) resolve(0);
        for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
      });
    }
  });
}
