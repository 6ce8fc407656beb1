import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createAdmission, createLoadShedder } from '../../../src/api/http/load-shedding.ts';

/** Feeds one 100 ms window of `count` answers of `latencyMs` each, starting at `at`; returns the share after it. */
function window(admission: ReturnType<typeof createAdmission>, at: number, count: number, latencyMs: number, inFlight = 100): number {
  for (let i = 0; i < inFlight; i++) admission.started();
  for (let i = 0; i < count; i++) admission.answered(at + i * (90 / count), latencyMs);
  for (let i = 0; i < inFlight; i++) admission.ended();
  return admission.admitted(at + 100);
}

void describe('load shedding: admission', () => {
  void it('admits everything while the median answer is under the mark', () => {
    const admission = createAdmission({ overloadMs: 50 }, 0);
    for (let w = 0; w < 20; w++) assert.equal(window(admission, w * 100, 100, w % 2 ? 49 : 5), 1);
  });

  void it('a single slow window is a stall, not overload; two in a row cut the share, and further ones cut it again', () => {
    const admission = createAdmission({ overloadMs: 50 }, 0);
    assert.equal(window(admission, 0, 100, 200), 1, 'one slow window: nothing');
    assert.equal(window(admission, 100, 100, 5), 1);
    assert.equal(window(admission, 200, 100, 200), 1);
    assert.equal(window(admission, 300, 100, 200), 0.7, 'second slow window in a row: cut');
    assert.ok(Math.abs(window(admission, 400, 100, 200) - 0.49) < 1e-9);
  });

  void it('slow answers with few requests in progress are no queue', () => {
    const admission = createAdmission({ overloadMs: 50 }, 0);
    for (let w = 0; w < 10; w++) assert.equal(window(admission, w * 100, 30, 500, 63), 1);
    window(admission, 1_000, 30, 500, 64);
    assert.equal(window(admission, 1_100, 30, 500, 64), 0.7);
  });

  void it('the median decides: fewer than half slow answers is no queue', () => {
    const admission = createAdmission({ overloadMs: 50 }, 0);
    for (let i = 0; i < 100; i++) admission.started();
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 50; i++) admission.answered(w * 100 + i, 500);
      for (let i = 0; i < 51; i++) admission.answered(w * 100 + 50 + i * 0.5, 1);
      assert.equal(admission.admitted(w * 100 + 100), 1);
    }
  });

  void it('never cuts below the floor, and grows back by a tenth per good window', () => {
    const admission = createAdmission({ overloadMs: 50 }, 0);
    let share = 1;
    for (let w = 0; w < 30; w++) share = window(admission, w * 100, 50, 300);
    assert.equal(share, 0.1);
    const back: number[] = [];
    for (let w = 30; w < 40; w++) back.push(Number(window(admission, w * 100, 50, 5).toFixed(2)));
    assert.deepEqual(back, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1]);
  });

  void it('windows with too few answers never cut (a slow store at low traffic is not a queue), and let the share grow back', () => {
    const admission = createAdmission({ overloadMs: 50 }, 0);
    for (let w = 0; w < 10; w++) assert.equal(window(admission, w * 100, 19, 5_000), 1);
    window(admission, 1_000, 50, 300);
    assert.equal(window(admission, 1_100, 50, 300), 0.7);
    assert.equal(window(admission, 1_200, 0, 0).toFixed(2), '0.80', 'nothing answered: probe upwards');
  });
});

void describe('load shedding: the server', () => {
  const serve = async (shedder: ReturnType<typeof createLoadShedder>, work = () => {}) => {
    const server = http.createServer((request, response) => {
      if (shedder.shed(request, response)) return;
      work();
      response.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };

  void it('when not admitting: a fixed 503 problem with Retry-After, except health and readiness (metrics are shed)', async () => {
    let now = 0;
    const shedder = createLoadShedder({ overloadMs: 50, minAnswers: 2, minInFlight: 1, now: () => now, random: () => 0.99 });
    // Every answer takes 60 ms (of this clock): slow windows, one after the other.
    const { server, url } = await serve(shedder, () => void (now += 60));
    try {
      for (let i = 0; i < 8 && shedder.admitted() === 1; i++) assert.equal((await fetch(`${url}/cases`)).status, 200);
      assert.ok(shedder.admitted() < 1, `admitted ${shedder.admitted()}`);
      const response = await fetch(`${url}/cases?country=RU`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(response.headers.get('retry-after'), '1');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.deepEqual(await response.json(), {
        type: 'urn:covid-etl:problem:unavailable',
        title: 'Service unavailable',
        status: 503,
        detail: 'the server is overloaded; retry after the time in Retry-After',
      });
      for (const path of ['/healthz', '/readyz', '/healthz?x=1']) assert.equal((await fetch(`${url}${path}`)).status, 200, path);
      let shedMetrics = 0;
      for (let i = 0; i < 5; i++) if ((await fetch(`${url}/metrics`)).status === 503) shedMetrics++;
      assert.equal(shedMetrics, 5, '/metrics is shed like the data endpoints');
    } finally {
      server.close();
    }
  });

  void it('answers written at once (the direct path) are timed without a listener: slow ones cut the share, fast ones keep it', () => {
    let now = 0;
    const shedder = createLoadShedder({ overloadMs: 50, minAnswers: 2, minInFlight: 1, now: () => now });
    for (let arrived = 0; arrived < 1_000; arrived += 10) shedder.answered(arrived, arrived + 1);
    now = 1_000;
    assert.equal(shedder.admitted(), 1, 'fast answers: nothing cut');
    for (let arrived = 1_000; arrived < 1_400; arrived += 10) shedder.answered(arrived, arrived + 60);
    now = 1_500;
    assert.ok(shedder.admitted() < 1, `slow answers for windows in a row: cut (${shedder.admitted()})`);
  });

  void it('admit then track is shed(): health and readiness are admitted and never timed; the rest get one close listener', () => {
    const shedder = createLoadShedder({ overloadMs: 50 });
    const health = new EventEmitter() as unknown as ServerResponse;
    const healthRequest = { url: '/healthz?x=1' } as IncomingMessage;
    assert.equal(shedder.admit(healthRequest, health, 0), true);
    shedder.track(healthRequest, health, 0);
    assert.equal(health.listenerCount('close'), 0);
    const data = new EventEmitter() as unknown as ServerResponse;
    const dataRequest = { url: '/healthzz' } as IncomingMessage;
    assert.equal(shedder.admit(dataRequest, data, 0), true);
    shedder.track(dataRequest, data, 0);
    assert.equal(data.listenerCount('close'), 1, '/healthzz is not /healthz');
  });

  void it('0 turns it off', async () => {
    const shedder = createLoadShedder({ overloadMs: 0 });
    const { server, url } = await serve(shedder);
    try {
      assert.equal((await fetch(`${url}/cases`)).status, 200);
      assert.equal(shedder.admitted(), 1);
    } finally {
      server.close();
    }
  });
});
