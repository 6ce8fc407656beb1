import { createClickHouse } from '../src/platform/clickhouse.ts';
const ch = createClickHouse({ url: 'http://default:@127.0.0.1:8123', database: 'default' });
let tq = 0, tt = 0;
for (let i = 0; i < 300; i++) {
  const a = performance.now();
  const r = await ch.query({ query: 'SELECT 1', format: 'TabSeparated' });
  const b = performance.now();
  await r.text();
  tq += b - a; tt += performance.now() - b;
}
console.log('query', (tq / 300).toFixed(3), 'text', (tt / 300).toFixed(3));
let t = performance.now();
for (let i = 0; i < 300; i++) { const r = await ch.query({ query: 'SELECT 1', format: 'TabSeparated' }); for await (const _ of r.stream()) { /* drain */ } }
console.log('stream', ((performance.now() - t) / 300).toFixed(3));
t = performance.now();
for (let i = 0; i < 300; i++) await ch.command({ query: 'SELECT 1' });
console.log('command', ((performance.now() - t) / 300).toFixed(3));
await ch.close();
