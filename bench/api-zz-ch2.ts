import http from 'node:http';
const q = 'SELECT 1';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const post = (split: boolean, nodelay: boolean) => new Promise<void>((resolve, reject) => {
  const r = http.request({ host: '127.0.0.1', port: 8123, method: 'POST', path: '/?database=default', agent }, (res) => { res.resume(); res.on('end', resolve); });
  r.on('socket', (s) => { if (nodelay) s.setNoDelay(true); });
  r.on('error', reject);
  if (split) { r.flushHeaders(); setImmediate(() => { r.write(q); r.end(); }); } else r.end(q);
});
for (const [split, nodelay] of [[false, false], [true, false], [true, true], [false, true]] as const) {
  for (let i = 0; i < 20; i++) await post(split, nodelay);
  const t = performance.now();
  for (let i = 0; i < 300; i++) await post(split, nodelay);
  console.log('split', split, 'nodelay', nodelay, ((performance.now() - t) / 300).toFixed(3));
}
agent.destroy();
