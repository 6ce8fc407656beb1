import { createClient } from '@clickhouse/client';
for (const opts of [{}, { keep_alive: { enabled: false } }, { keep_alive: { enabled: true, eagerly_destroy_stale_sockets: false, idle_socket_ttl: 60000 } }, { max_open_connections: 1 }] as const) {
  const ch = createClient({ url: 'http://127.0.0.1:8123', username: 'default', password: '', compression: { request: false, response: false }, ...opts });
  for (let i = 0; i < 20; i++) await (await ch.query({ query: 'SELECT 1', format: 'TabSeparated' })).text();
  let t = performance.now();
  for (let i = 0; i < 300; i++) await (await ch.query({ query: 'SELECT 1', format: 'TabSeparated' })).text();
  const seq = (performance.now() - t) / 300;
  t = performance.now();
  await Promise.all(Array.from({ length: 300 }, async () => (await ch.query({ query: 'SELECT 1', format: 'TabSeparated' })).text()));
  console.log(JSON.stringify(opts), 'sequential', seq.toFixed(3), 'parallel per query', ((performance.now() - t) / 300).toFixed(3));
  await ch.close();
}
