/** Express with the peer stack: OTel sdk-node (http instrumentation), prom-client, pino. */
import { LARGE_PAYLOAD, listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';
import { activeSpanContext, recordRequest, startPeerSdk } from './peer-otel.ts';

startPeerSdk();
// Imported after the SDK started, so `http` is patched first.
const { default: express } = await import('express');

const app = express();
app.use((req, res, next) => {
  const startedAt = performance.now();
  const spanContext = activeSpanContext();
  res.on('finish', () => {
    const route = req.route?.path === undefined ? 'unmatched' : `${req.baseUrl}${String(req.route.path)}`;
    recordRequest(req.method, route, res.statusCode, startedAt, spanContext);
  });
  next();
});
app.get(ROUTE, (_req, res) => {
  res.json(PAYLOAD);
});
// The matrix's routes (bench/http/apps/express-bare.cjs serves the same).
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/large', (_req, res) => res.json(LARGE_PAYLOAD));
app.get('/items/:id/large', (_req, res) => res.json(LARGE_PAYLOAD));
const server = app.listen(listenPort(), '127.0.0.1', () =>
  serveAdmin((server.address() as { port: number }).port),
);
