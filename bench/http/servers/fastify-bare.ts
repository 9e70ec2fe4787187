/** Fastify with no telemetry: the baseline. */
import Fastify from 'fastify';
import { listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';

const app = Fastify({ logger: false });
app.get(ROUTE, async () => PAYLOAD);
await app.listen({ host: '127.0.0.1', port: listenPort() });
serveAdmin((app.server.address() as { port: number }).port);
