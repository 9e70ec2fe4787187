/** Fastify with the peer stack: OTel sdk-node (http + @fastify/otel), prom-client, pino. */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { LARGE_PAYLOAD, listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';
import { activeSpanContext, recordRequest, startPeerSdk } from './peer-otel.ts';

startPeerSdk([new FastifyOtelInstrumentation({ registerOnInitialization: true })]);
// Imported after the SDK started, so `http` is patched first.
const { default: Fastify } = await import('fastify');

const app = Fastify({ logger: false });
const started = Symbol('started');
const spanContext = Symbol('spanContext');
type Timed = { [started]: number; [spanContext]: ReturnType<typeof activeSpanContext> };
app.addHook('onRequest', (request, _reply, done) => {
  const timed = request as unknown as Timed;
  timed[started] = performance.now();
  timed[spanContext] = activeSpanContext();
  done();
});
app.addHook('onResponse', (request, reply, done) => {
  const timed = request as unknown as Timed;
  recordRequest(
    request.method,
    request.routeOptions.url ?? 'unmatched',
    reply.statusCode,
    timed[started],
    timed[spanContext],
  );
  done();
});
app.get(ROUTE, async () => PAYLOAD);
// The matrix's routes (bench/http/apps/fastify-bare.cjs serves the same).
app.get('/', async () => ({ hello: 'world' }));
app.get('/large', async () => LARGE_PAYLOAD);
app.get('/items/:id/large', async () => LARGE_PAYLOAD);
await app.listen({ host: '127.0.0.1', port: listenPort() });
serveAdmin((app.server.address() as { port: number }).port);
