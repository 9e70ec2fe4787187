/**
 * The smallest real Express service with dynotel: one line wires metrics, traces, logs and health.
 *
 *   DYN_HTTP_PORT=8000 DYN_LOGGING_JSONL=1 node --conditions=@dynotel/source src/main.ts
 */

import { init } from 'dynotel';
import { dynotel } from 'dynotel/express';
import express from 'express';

const telemetry = init({ env: { OTEL_SERVICE_NAME: 'express-basic', ...process.env } });

const app = express();
app.use(dynotel(telemetry)); // the one line: request ids, spans, RED metrics, access logs, /metrics /health /live

app.get('/hello/:name', (req, res) => {
  // Inside a request every log line carries trace_id, span_id, x_request_id and request_id.
  telemetry.logger.info({ name: req.params.name }, 'saying hello');
  res.json({ hello: req.params.name });
});

app.get('/fail', () => {
  throw new Error('this route always fails');
});

// Errors end up here; the middleware has already recorded the 500 on the request's span and metrics.
app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  telemetry.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'request failed');
  res.status(500).json({ error: 'internal error' });
});

const { port, host } = telemetry.config.http;
const server = app.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  telemetry.logger.info({ url: `http://${host}:${bound}` }, 'express-basic listening');
});
