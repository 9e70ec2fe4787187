/** Express with dynotel's middleware (variant: full). */
import { init } from 'dynotel';
import { dynotel } from 'dynotel/express';
import express from 'express';
import { listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';
import { dynotelEnv } from './dynotel-env.ts';

// As the README shows: configured by the environment alone, logs to stdout (the harness sends it to
// /dev/null), signals handled.
Object.assign(process.env, dynotelEnv('full'));
const telemetry = init();
const app = express();
app.use(dynotel(telemetry));
app.get(ROUTE, (_req, res) => {
  res.json(PAYLOAD);
});
const server = app.listen(listenPort(), '127.0.0.1', () =>
  serveAdmin((server.address() as { port: number }).port),
);
