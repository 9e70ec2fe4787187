// fastify-bare.cjs with dynotel exactly as the README shows (CommonJS build): `init()` with no options,
// configured by the environment alone, and the plugin.
const Fastify = require('fastify');
const { init } = require('dynotel');
const { dynotel } = require('dynotel/fastify');

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const telemetry = init();
const app = Fastify();
app.register(dynotel, { telemetry });
app.get('/', async () => ({ hello: 'world' }));
app.get('/large', async () => large);
app.get('/items/:id', async (request) => ({ id: request.params.id, name: 'widget' }));
app.get('/items/:id/large', async () => large);
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
