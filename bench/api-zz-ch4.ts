import http from 'node:http';
import { createClient } from '@clickhouse/client';
for (const agent of [undefined, new http.Agent({ keepAlive: true, noDelay: true }), new http.Agent({ keepAlive: true, noDelay: false })]) {
  const ch = createClient({ url: 'http://127.0.0.1:8123', username: 'default', password: '', compression: { request: false, response: false }, ...(agent ? { http_agent: agent, set_basic_auth_header: true } : {}) });
  for (let i = 0; i < 20; i++) await (await ch.query({ query: 'SELECT 1', format: 'TabSeparated' })).text();
  const t = performance.now();
  for (let i = 0; i < 300; i++) await (await ch.query({ query: 'SELECT 1', format: 'TabSeparated' })).text();
  console.log(agent ? `agent noDelay=${String((agent as unknown as { options: { noDelay: boolean } }).options.noDelay)}` : 'default', ((performance.now() - t) / 300).toFixed(3));
  await ch.close();
}
