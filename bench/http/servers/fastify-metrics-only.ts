/** Fastify with dynotel's plugin (variant: metrics-only). */
import { init } from 'dynotel';
import { dynotel } from 'dynotel/fastify';
import Fastify from 'fastify';
import { listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';
import { dynotelEnv } from './dynotel-env.ts';

// As the README shows: configured by the environment alone, logs to stdout (the harness sends it to
// /dev/null), signals handled.
Object.assign(process.env, dynotelEnv('metrics-only'));
const telemetry = init();
const app = Fastify({ logger: false });
await app.register(dynotel, { telemetry });
app.get(ROUTE, async () => PAYLOAD);
await app.listen({ host: '127.0.0.1', port: listenPort() });
serveAdmin((app.server.address() as { port: number }).port);
