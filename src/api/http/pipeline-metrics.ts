// Pipeline health in the API's /metrics, for alert rules (infra/prometheus): per source whether it
// is stale and when it last brought something new, and whether the last finished run failed.
// Read from the status service at scrape time; a scrape while a store is down keeps the last
// values (readiness reports the outage) rather than failing the whole /metrics answer.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger.ts';
import type { DataVersionService } from '../services/data-version.service.ts';
import type { PipelineStatus, StatusService } from '../services/status.service.ts';

export interface PipelineMetricsDeps {
  status: StatusService;
  versions: DataVersionService;
  logger: Logger;
}

export function installPipelineMetrics(registry: Registry, { status, versions, logger }: PipelineMetricsDeps): void {
  let current: Promise<PipelineStatus | null> | null = null;
  // One status read per scrape, shared by the three gauges' collect().
  const read = () => {
    current ??= (async () => {
      try {
        return await status.status(versions.all());
      } catch (error) {
        logger.warn({ err: error }, 'pipeline metrics: status unavailable, keeping the last values');
        return null;
      } finally {
        setImmediate(() => (current = null));
      }
    })();
    return current;
  };

  new Gauge({
    name: 'covid_etl_source_stale',
    help: 'A source that brought nothing new for longer than its SOURCE_<NAME>_STALE_DAYS (1 = stale)',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const now = await read();
      for (const s of now?.sources ?? []) this.set({ source: s.source }, s.stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'covid_etl_source_last_new_data_timestamp_seconds',
    help: 'When the newest row of a source reached ClickHouse (Unix seconds; 0 = never)',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const now = await read();
      for (const s of now?.sources ?? []) this.set({ source: s.source }, s.lastNewDataAt ? Date.parse(s.lastNewDataAt) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'covid_etl_pipeline_last_run_failed',
    help: 'The last finished pipeline run failed or was incomplete (1) or succeeded (0)',
    registers: [registry],
    async collect() {
      const now = await read();
      if (!now) return;
      const state = now.lastFinishedRun?.state;
      this.set(state === 'failed' || state === 'incomplete' ? 1 : 0);
    },
  });
}
