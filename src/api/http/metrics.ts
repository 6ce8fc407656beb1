// Prometheus metrics for this server: request count and latency by route pattern (never the raw
// URL, which would make a series per query string) and status, plus the process defaults.
//
// The two per-request series are counted here in plain numbers and rendered only when scraped:
// prom-client's Counter and Histogram hash their label object on every call, which was 3 % of
// the CPU of a cached answer (bench/api-profile.ts). The text they render is the same as
// prom-client's (test/unit/api/request-metrics.test.ts compares them).
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = { method: string; route: string; status: string };

interface Series {
  labels: Labels;
  /** False once a reset dropped it: a bound observer then looks its label set up again. */
  live: boolean;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: Float64Array;
}

export interface RequestMetrics {
  /** One answered request: its method, route pattern ('unmatched' for none), status and duration. */
  observe(method: string, route: string, status: number, seconds: number): void;
  /** `observe` for one label set, looked up once (the direct path keeps one per route and status). */
  bind(method: string, route: string, status: number): (seconds: number) => void;
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * A metric as prom-client's Registry reads it (`get()` and `reset()`; its typings say an enum
 * where the runtime reads 'counter' or 'histogram', hence the cast where it is registered).
 */
interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: 'counter' | 'histogram'; aggregator: 'sum'; values: Value[] }>;
  reset(): void;
}

type Registrable = Parameters<Registry['registerMetric']>[0];

export function createRequestMetrics(registry: Registry): RequestMetrics {
  const series = new Map<string, Series>();
  const register = (name: string, help: string, type: 'counter' | 'histogram', values: () => Value[]) => {
    const metric: CollectedMetric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => {
        for (const entry of series.values()) entry.live = false;
        series.clear();
      },
    };
    registry.registerMetric(metric as unknown as Registrable);
  };
  register('http_requests_total', 'HTTP requests answered', 'counter', () => [...series.values()].map((s) => ({ labels: { ...s.labels }, value: s.count })));
  register('http_request_duration_seconds', 'Time from receiving a request to sending its answer', 'histogram', () =>
      [...series.values()].flatMap((s) => {
        let cumulative = 0;
        const buckets = [...BUCKETS, '+Inf' as const].map((le, i) => {
          cumulative += s.buckets[i]!;
          return { labels: { le, ...s.labels }, value: cumulative, metricName: 'http_request_duration_seconds_bucket' };
        });
        return [
          ...buckets,
          { labels: { ...s.labels }, value: s.sum, metricName: 'http_request_duration_seconds_sum' },
          { labels: { ...s.labels }, value: s.count, metricName: 'http_request_duration_seconds_count' },
        ];
      }),
  );
  const seriesOf = (method: string, route: string, status: number): Series => {
    const id = `${method} ${status} ${route}`;
    let entry = series.get(id);
    if (!entry) {
      entry = { labels: { method, route, status: String(status) }, live: true, count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length + 1) };
      series.set(id, entry);
    }
    return entry;
  };
  const record = (entry: Series, seconds: number) => {
    entry.count++;
    entry.sum += seconds;
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
    entry.buckets[bucket]!++;
  };
  return {
    observe(method, route, status, seconds) {
      record(seriesOf(method, route, status), seconds);
    },
    bind(method, route, status) {
      let entry = seriesOf(method, route, status);
      return (seconds) => {
        if (!entry.live) entry = seriesOf(method, route, status);
        record(entry, seconds);
      };
    },
  };
}

export function installMetrics(app: FastifyInstance, { defaultMetrics = true } = {}): { registry: Registry; requests: RequestMetrics } {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const requests = createRequestMetrics(registry);
  app.addHook('onResponse', (request, reply, done) => {
    requests.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  return { registry, requests };
}
