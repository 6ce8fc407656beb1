import net from 'node:net';
import { createClient } from '@clickhouse/client';
const server = net.createServer((s) => s.on('data', (d) => { console.log(JSON.stringify(d.toString())); s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n1\n'); }));
await new Promise<void>((r) => server.listen(18555, r));
const ch = createClient({ url: 'http://127.0.0.1:18555', username: 'default', password: '', compression: { request: false, response: false }, clickhouse_settings: {} });
await (await ch.query({ query: 'SELECT 1', format: 'TabSeparated' })).text().catch((e) => console.log(e));
await ch.close(); server.close();
