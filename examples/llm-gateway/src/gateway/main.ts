/**
 * The gateway: an OpenAI-compatible frontend in Dynamo's shape. Express with the dynotel middleware
 * (request ids, `http-request` spans, HTTP metrics, access logs, and /metrics /health /live on the same
 * port, DYN_HTTP_PORT), Dynamo's `dynamo_frontend_*` metrics per request, and a worker behind it.
 *
 *   WORKER_URL=http://127.0.0.1:8001 DYN_HTTP_PORT=8000 DYN_LOGGING_JSONL=1 \
 *     node --conditions=@dynotel/source src/gateway/main.ts
 */

import { init } from 'dynotel';
import { dynotel } from 'dynotel/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { numberFromEnv, stringFromEnv } from '../shared/env.ts';
import { GENERATE_PATH, type WorkerInstance } from '../shared/protocol.ts';
import { chatCompletions } from './chat-completions.ts';
import { errorBody } from './openai-format.ts';
import { discoverWorker } from './worker-client.ts';

const telemetry = init({ env: { OTEL_SERVICE_NAME: 'dynamo-frontend', ...process.env } });
const log = telemetry.logger.child({ target: 'frontend' });

const workerUrl = stringFromEnv('WORKER_URL', 'http://127.0.0.1:8001');
const workerHealthUrl = process.env.WORKER_HEALTH_URL;
const models = stringFromEnv('GATEWAY_MODELS', 'Qwen/Qwen3-0.6B')
  .split(',')
  .map((m) => m.trim())
  .filter((m) => m !== '');

// What a worker registration reports to Dynamo's frontend: the model-configuration gauges.
for (const model of models) {
  telemetry.frontend().registerModel(model, { contextLength: 8192, kvCacheBlockSize: 16, maxNumSeqs: 32 });
}

// Discovery: once the worker answers, /health lists it as Dynamo's frontend lists its instances
// ({"endpoints":["dyn://dynamo.backend.generate"],"instances":[…]}) and per-worker metrics carry its id.
let worker: WorkerInstance | undefined;
const discovery = setInterval(async () => {
  const found = await discoverWorker(workerUrl);
  if (found === undefined || worker !== undefined) return;
  worker = found;
  clearInterval(discovery);
  telemetry.instances.add({
    namespace: found.namespace,
    component: found.component,
    endpoint: found.endpoint,
    instanceId: found.instance_id,
    transport: { http: new URL(GENERATE_PATH, workerUrl).href },
  });
  log.info({ worker: found }, 'worker discovered');
}, 250);
discovery.unref();

const app = express();
app.disable('x-powered-by');
app.use(dynotel(telemetry));
app.get('/v1/models', (_req, res) => {
  res.json({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', owned_by: 'dynotel-example' })),
  });
});
// The body parser sits on the route so even a malformed body is measured under its route template.
app.post(
  '/v1/chat/completions',
  express.json({ limit: '1mb' }),
  chatCompletions({
    telemetry,
    workerUrl,
    workerId: () => worker?.instance_id,
    models,
    responseTimeoutMs: numberFromEnv('GATEWAY_RESPONSE_TIMEOUT_MS', 10_000),
  }),
);
app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
  if (res.headersSent) return next(error);
  const status = (error as { status?: unknown }).status;
  const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
  if (code === 500) log.error({ error: String(error) }, 'unhandled error');
  res.status(code).json(errorBody(code, error instanceof Error ? error.message : String(error)));
});

if (workerHealthUrl !== undefined) {
  // Ready only while the worker is: /health of the gateway then reflects the whole path.
  telemetry.health.addReadinessCheck('worker', async () => {
    const response = await fetch(workerHealthUrl, { signal: AbortSignal.timeout(500) });
    await response.body?.cancel();
    return response.ok;
  });
}

const { port, host } = telemetry.config.http;
const server = app.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  log.info(
    { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`, worker_url: workerUrl, models },
    'gateway listening',
  );
});
