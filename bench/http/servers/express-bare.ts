/** Express with no telemetry: the baseline. */
import express from 'express';
import { listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';

const app = express();
app.get(ROUTE, (_req, res) => {
  res.json(PAYLOAD);
});
const server = app.listen(listenPort(), '127.0.0.1', () =>
  serveAdmin((server.address() as { port: number }).port),
);
