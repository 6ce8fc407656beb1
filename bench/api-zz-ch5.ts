import http from 'node:http';
import { Readable, pipeline } from 'node:stream';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const post = (mode: string) => new Promise<void>((resolve, reject) => {
  const r = http.request({ host: '127.0.0.1', port: 8123, method: 'POST', path: '/?database=default&query_id=' + Math.random(), agent, headers: { authorization: 'Basic ' + Buffer.from('default:').toString('base64') } }, (res) => { res.resume(); res.on('end', resolve); });
  r.on('error', reject);
  if (mode === 'pipeline') pipeline(Readable.from(['SELECT 1\nFORMAT TabSeparated']), r, () => {});
  else r.end('SELECT 1\nFORMAT TabSeparated');
});
for (const mode of ['end', 'pipeline', 'end']) {
  for (let i = 0; i < 20; i++) await post(mode);
  const t = performance.now();
  for (let i = 0; i < 300; i++) await post(mode);
  console.log(mode, ((performance.now() - t) / 300).toFixed(3));
}
agent.destroy();
