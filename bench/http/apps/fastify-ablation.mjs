// ABLATIONS ONLY (bench/http/ablate.ts), never in the recorded matrix: fastify-dynotel.mjs with the
// two init() options the project's former bench servers passed, each switched on by a variable, so
// that one variable at a time can be measured. Run with `--conditions=@dynotel/source` it loads the
// TypeScript sources; without, the ESM build.
import { openSync } from 'node:fs';
import { init } from 'dynotel';
import { dynotel } from 'dynotel/fastify';
import Fastify from 'fastify';

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const telemetry = init({
  ...(process.env.ABLATE_HANDLE_SIGNALS === 'false' ? { handleSignals: false } : {}),
  ...(process.env.ABLATE_LOG_FD === 'devnull' ? { logDestination: openSync('/dev/null', 'w') } : {}),
});
const app = Fastify();
await app.register(dynotel, { telemetry });
app.get('/', async () => ({ hello: 'world' }));
app.get('/large', async () => large);
app.get('/items/:id', async (request) => ({ id: request.params.id, name: 'widget' }));
app.get('/items/:id/large', async () => large);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
