import http from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { randomUUID } from 'node:crypto';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const post = (qid: boolean, ua: boolean) => new Promise<void>((resolve, reject) => {
  const r = http.request({ host: '127.0.0.1', port: 8123, method: 'POST', path: qid ? '/?query_id=' + randomUUID() : '/', agent, headers: { authorization: 'Basic ' + Buffer.from('default:').toString('base64'), ...(ua ? { 'user-agent': 'clickhouse-js/1.23.1 (lv:nodejs/v24.21.0; os:linux)' } : {}) } }, (res) => { res.resume(); res.on('end', resolve); });
  r.on('error', reject);
  pipeline(Readable.from(['SELECT 1 \nFORMAT TabSeparated']), r, () => {});
});
for (const [qid, ua] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  for (let i = 0; i < 20; i++) await post(qid, ua);
  const t = performance.now();
  for (let i = 0; i < 300; i++) await post(qid, ua);
  console.log('query_id', qid, 'ua', ua, ((performance.now() - t) / 300).toFixed(3));
}
agent.destroy();
