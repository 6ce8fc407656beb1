// The API as a process (`covid-etl serve`): it listens, answers, and on SIGTERM stops
// accepting, lets the request in flight finish, closes its clients and exits 0.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { startRole } from '../../support/processes.ts';
import { PASSWORD } from './context.ts';
import { freePort } from '../../support/ports.ts';


function request(agent: http.Agent, port: number, method: string, path: string, body?: unknown) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

void describe('covid-etl serve', () => {
  let env: TestEnvironment;
  before(async () => {
    env = await createTestEnvironment();
  });
  after(() => env.cleanup());

  void it('serves until SIGTERM, finishes the request in flight, exits 0', async () => {
    const port = await freePort();
    const api = startRole('serve', env.config, { env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' } });
    const output = () => api.output();

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Generous: `serve` starts one process per core, and this machine may be busy.
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          if ((await request(agent, port, 'GET', '/healthz')).status === 200) break;
        } catch {
          // not listening yet
        }
        assert.ok(Date.now() < deadline, `server did not start:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await request(agent, port, 'GET', '/readyz')).status, 200);
      // A registration hashes a password (tens of ms): SIGTERM arrives while it runs.
      const inFlight = request(agent, port, 'POST', '/users/register', { username: 'alice', password: PASSWORD });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const stopped = api.stop('SIGTERM');
      const answer = await inFlight;
      assert.equal(answer.status, 201, answer.body);
      assert.equal(await stopped, 0, output());
      await assert.rejects(request(new http.Agent(), port, 'GET', '/healthz'), /ECONNREFUSED/);
    } finally {
      agent.destroy();
      await api.stop('SIGKILL');
    }
  });
});
