/**
 * The worker: a fake LLM backend in Dynamo's shape. It serves its `generate` endpoint over HTTP (this
 * example's request plane) with Fastify, and the system status server (/health, /live, /metrics on
 * DYN_SYSTEM_PORT) with the work-handler metrics of `generate` and a canary that keeps /health honest.
 *
 *   DYN_SYSTEM_PORT=8081 WORKER_HTTP_PORT=8001 DYN_LOGGING_JSONL=1 DYN_HEALTH_CHECK_ENABLED=true \
 *     node --conditions=@dynotel/source src/worker/main.ts
 */
import { randomBytes } from 'node:crypto';
import { init } from 'dynotel';
import { dynotel } from 'dynotel/fastify';
import Fastify from 'fastify';
import { numberFromEnv, stringFromEnv } from '../shared/env.ts';
import { GENERATE_PATH, INSTANCE_PATH, type WorkerInstance } from '../shared/protocol.ts';
import { countTokens } from '../shared/tokens.ts';
import { createGenerateRoute } from './generate-route.ts';
import { type GeneratorTiming, generateTokens } from './token-generator.ts';

// Defaults for a local run; the real environment wins (Dynamo's launch scripts set these per process).
const telemetry = init({
  env: {
    OTEL_SERVICE_NAME: 'dynamo-worker',
    DYN_NAMESPACE: 'dynamo',
    DYN_COMPONENT: 'backend',
    DYN_INSTANCE_ID: randomBytes(8).toString('hex'),
    ...process.env,
  },
});
const log = telemetry.logger.child({ target: 'worker' });

const timing: GeneratorTiming = {
  ttftMs: numberFromEnv('WORKER_TTFT_MS', 120),
  prefillMsPerToken: numberFromEnv('WORKER_PREFILL_MS_PER_TOKEN', 0.5),
  itlMs: numberFromEnv('WORKER_ITL_MS', 15),
  jitter: Math.min(1, numberFromEnv('WORKER_JITTER', 0.25)),
};

// The canary sends this payload in-process while the endpoint is idle; its first token marks it ready.
const generate = telemetry.endpoint('generate', {
  canary: {
    payload: { prompt: 'Test', max_tokens: 1 },
    handler: (payload, { signal }) =>
      generateTokens(timing, {
        promptTokens: countTokens(String(payload.prompt ?? 'Test')),
        maxTokens: Math.max(1, Number(payload.max_tokens ?? 1) || 1),
        signal,
      }),
  },
});

const app = Fastify({ logger: false });
// The system server already serves /metrics, /health and /live: keep the request port for requests.
await app.register(dynotel, { telemetry, systemRoutes: false });
app.post(
  GENERATE_PATH,
  createGenerateRoute({
    telemetry,
    endpoint: generate,
    timing,
    maxConcurrency: numberFromEnv('WORKER_MAX_CONCURRENCY', 32),
    log,
  }),
);

// Registration: what the gateway lists on its /health (Dynamo's discovery instance).
const { namespace, component, instanceId } = telemetry.config.identity;
const instance: WorkerInstance = {
  namespace: namespace ?? 'dynamo',
  component: component ?? 'backend',
  endpoint: generate.name,
  instance_id: BigInt(`0x${instanceId ?? '0'}`).toString(),
};
app.get(INSTANCE_PATH, async () => instance);

const host = stringFromEnv('WORKER_HTTP_HOST', '127.0.0.1');
const url = await app.listen({ port: numberFromEnv('WORKER_HTTP_PORT', 8001), host });
const systemServer = await telemetry.systemServer;
log.info(
  { url, system_url: systemServer?.url, canary: telemetry.health.canaryEnabled, timing },
  'worker listening',
);
