import http from 'node:http';
import { createClickHouse } from '../src/platform/clickhouse.ts';
const ch = createClickHouse({ url: 'http://default:@127.0.0.1:8123', database: 'default' });
const parts = `SELECT count(), sum(rows), max(max_block_number), sum(cityHash64(name)), toUnixTimestamp(max(modification_time)) FROM system.parts WHERE database = 'covid' AND table = 'daily' AND active`;
for (const [name, q] of [['select1', 'SELECT 1'], ['parts', parts], ['parts-nofilter-fn', `SELECT count() FROM system.parts WHERE database = 'covid' AND table = 'daily' AND active`]] as const) {
  let t = performance.now();
  for (let i = 0; i < 300; i++) await (await ch.query({ query: q, format: 'TabSeparated' })).text();
  const client = (performance.now() - t) / 300;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const raw = () => new Promise<void>((resolve, reject) => { const r = http.request({ host: '127.0.0.1', port: 8123, path: '/?query=' + encodeURIComponent(q), agent }, (res) => { res.resume(); res.on('end', resolve); }); r.on('error', reject); r.end(); });
  t = performance.now();
  for (let i = 0; i < 300; i++) await raw();
  console.log(name, 'client', client.toFixed(3), 'raw', ((performance.now() - t) / 300).toFixed(3));
  agent.destroy();
}
await ch.close();
