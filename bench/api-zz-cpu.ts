// measure CPU of server process and this process during a load run
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { runLoad } from './api-loadgen.ts';
const port = 18124;
const mode = process.env.MODE ?? 'full';
const server = spawn(process.execPath, ['bench/api-zz-server.ts'], { env: { ...process.env, PORT: String(port), MODE: mode }, stdio: 'inherit' });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
const cpu = (pid: number | 'self') => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const path = process.env.URLPATH ?? '/healthz';
await runLoad({ port, connections: 32, durationMs: 1000, request: () => ({ path }) });
const s0 = cpu(server.pid!), c0 = cpu('self'), t0 = performance.now();
const r = await runLoad({ port, connections: Number(process.env.CONNS ?? 32), durationMs: 5000, request: () => ({ path }) });
const secs = (performance.now() - t0) / 1000;
console.log(mode, path, Math.round(r.perSecond), 'p50', r.latencyMs.p50.toFixed(2), 'p99', r.latencyMs.p99.toFixed(2), 'server cpu', ((cpu(server.pid!) - s0) / secs).toFixed(2), 'loadgen cpu', ((cpu('self') - c0) / secs).toFixed(2), JSON.stringify(r.statuses));
server.kill();
