// The baseline of bench/api-vs-node.ts: plain node:http answering every request with the very
// bytes and headers the API gave for the benchmarked URL, and nothing else (no routing, no key,
// no validation). Runs as PROCESSES processes on PORT (node:cluster), like `serve`.
//
//   PORT=8080 PROCESSES=2 ANSWER=/tmp/answer.json node bench/api-node-baseline.ts
// ANSWER: a JSON file {"headers": {...}, "body": "<base64>"}.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const port = Number(process.env.PORT);
const processes = Number(process.env.PROCESSES ?? '1');

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  let ready = 0;
  cluster.on('message', () => {
    if (++ready === processes) console.log('ready');
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const answer = JSON.parse(readFileSync(process.env.ANSWER!, 'utf8')) as { headers: Record<string, string>; body: string };
  const body = Buffer.from(answer.body, 'base64');
  const headers = { ...answer.headers, 'content-length': String(body.length) };
  const server = http.createServer((_request, response) => {
    response.writeHead(200, headers);
    response.end(body);
  });
  server.keepAliveTimeout = 72_000;
  server.listen(port, '127.0.0.1', () => {
    if (cluster.isWorker) process.send?.('ready');
    else console.log('ready');
  });
  process.on('SIGTERM', () => process.exit(0));
}
