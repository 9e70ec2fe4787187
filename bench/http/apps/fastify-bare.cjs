// A Fastify service with no telemetry: the baseline, and the unmodified app that `--require
// dynotel/register` preloads into. Four routes: static and parametric, a small and a 16 KiB JSON body.
const Fastify = require('fastify');

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
app.get('/large', async () => large);
app.get('/items/:id', async (request) => ({ id: request.params.id, name: 'widget' }));
app.get('/items/:id/large', async () => large);
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
