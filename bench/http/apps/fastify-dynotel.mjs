// fastify-dynotel.cjs as an ES module (ESM build), exactly as the README shows.
import { init } from 'dynotel';
import { dynotel } from 'dynotel/fastify';
import Fastify from 'fastify';

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const telemetry = init();
const app = Fastify();
await app.register(dynotel, { telemetry });
app.get('/', async () => ({ hello: 'world' }));
app.get('/large', async () => large);
app.get('/items/:id', async (request) => ({ id: request.params.id, name: 'widget' }));
app.get('/items/:id/large', async () => large);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
