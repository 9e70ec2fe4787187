// fastify-bare.cjs as an ES module: the unmodified app that `--import dynotel/register` preloads into.
import Fastify from 'fastify';

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
app.get('/large', async () => large);
app.get('/items/:id', async (request) => ({ id: request.params.id, name: 'widget' }));
app.get('/items/:id/large', async () => large);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
