/** Express with dynotel's middleware (variant: metrics-only). */
import { init } from 'dynotel';
import { dynotel } from 'dynotel/express';
import express from 'express';
import { devNull, listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';
import { dynotelEnv } from './dynotel-env.ts';

const telemetry = init({ env: dynotelEnv('metrics-only'), handleSignals: false, logDestination: devNull });
const app = express();
app.use(dynotel(telemetry));
app.get(ROUTE, (_req, res) => {
  res.json(PAYLOAD);
});
const server = app.listen(listenPort(), '127.0.0.1', () =>
  serveAdmin((server.address() as { port: number }).port),
);
