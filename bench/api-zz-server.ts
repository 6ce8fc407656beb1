import Fastify from 'fastify';
import helmet from '@fastify/helmet';
const mode = process.env.MODE;
const app = Fastify({ logger: false });
if (mode !== 'bare') await app.register(helmet, { global: true });
const body = Buffer.from(JSON.stringify({ date: Array.from({ length: 1200 }, () => '2020-01-01'), cases: Array.from({ length: 1200 }, (_, i) => 100000 + i) }));
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/big', async (_req, reply) => { reply.type('application/json'); return body; });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
