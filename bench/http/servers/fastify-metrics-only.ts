/** Fastify with dynotel's plugin (variant: metrics-only). */
import { init } from 'dynotel';
import { dynotel } from 'dynotel/fastify';
import Fastify from 'fastify';
import { devNull, listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';
import { dynotelEnv } from './dynotel-env.ts';

const telemetry = init({ env: dynotelEnv('metrics-only'), handleSignals: false, logDestination: devNull });
const app = Fastify({ logger: false });
await app.register(dynotel, { telemetry });
app.get(ROUTE, async () => PAYLOAD);
await app.listen({ host: '127.0.0.1', port: listenPort() });
serveAdmin((app.server.address() as { port: number }).port);
