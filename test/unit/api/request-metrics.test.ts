import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { createRequestMetrics } from '../../../src/api/http/metrics.ts';

// The same observations through prom-client's own Counter and Histogram: the text a scraper
// reads must not change with the cheaper recording.
function promClientText(observations: [string, string, number, number][]): Promise<string> {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer',
    labelNames,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const [method, route, status, seconds] of observations) {
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, seconds);
  }
  return registry.metrics();
}

void describe('request metrics', () => {
  void it("render exactly what prom-client's Counter and Histogram render for the same requests", async () => {
    const observations: [string, string, number, number][] = [
      ['GET', '/cases', 200, 0.0003],
      ['GET', '/cases', 200, 0.0005], // on a bucket's bound: counted in it
      ['GET', '/cases', 304, 0.002],
      ['GET', '/cases', 200, 0.7],
      ['GET', 'unmatched', 404, 12], // beyond the last bound: +Inf only
      ['POST', '/users/register', 201, 0.08],
      ['GET', '/cases', 200, 0.0101],
    ];
    const registry = new Registry();
    const metrics = createRequestMetrics(registry);
    for (const [method, route, status, seconds] of observations) metrics.observe(method, route, status, seconds);
    assert.equal(await registry.metrics(), await promClientText(observations));
  });

  void it('a bound observer records what observe records, and still counts after a reset', async () => {
    const registry = new Registry();
    const metrics = createRequestMetrics(registry);
    const ok = metrics.bind('GET', '/cases', 200);
    ok(0.0003);
    ok(0.7);
    metrics.observe('GET', '/cases', 304, 0.002);
    assert.equal(await registry.metrics(), await promClientText([['GET', '/cases', 200, 0.0003], ['GET', '/cases', 200, 0.7], ['GET', '/cases', 304, 0.002]]));
    registry.resetMetrics();
    ok(0.01);
    assert.equal(await registry.metrics(), await promClientText([['GET', '/cases', 200, 0.01]]));
  });

  void it('start empty, and a reset empties them again', async () => {
    const registry = new Registry();
    const metrics = createRequestMetrics(registry);
    assert.equal(await registry.metrics(), await promClientText([]));
    metrics.observe('GET', '/cases', 200, 0.001);
    assert.match(await registry.metrics(), /http_requests_total\{method="GET",route="\/cases",status="200"\} 1/);
    registry.resetMetrics();
    assert.equal(await registry.metrics(), await promClientText([]));
  });
});
