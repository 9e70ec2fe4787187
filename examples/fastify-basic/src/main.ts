/**
 * The smallest real Fastify service with dynotel: one registration wires metrics, traces, logs and health.
 *
 *   DYN_HTTP_PORT=8000 DYN_LOGGING_JSONL=1 node --conditions=@dynotel/source src/main.ts
 */

import { init } from 'dynotel';
import { dynotel } from 'dynotel/fastify';
import Fastify from 'fastify';

const telemetry = init({ env: { OTEL_SERVICE_NAME: 'fastify-basic', ...process.env } });

const app = Fastify({ logger: false });
await app.register(dynotel, { telemetry }); // the one line: request ids, spans, RED metrics, access logs, /metrics /health /live

app.get<{ Params: { name: string } }>('/hello/:name', async (request) => {
  // Inside a request every log line carries trace_id, span_id, x_request_id and request_id.
  telemetry.logger.info({ name: request.params.name }, 'saying hello');
  return { hello: request.params.name };
});

app.get('/fail', async () => {
  throw new Error('this route always fails');
});

const { port, host } = telemetry.config.http;
const url = await app.listen({ port, host });
telemetry.logger.info({ url }, 'fastify-basic listening');
