/**
 * Starts the worker, waits for its canary to make /health ready, then starts the gateway in front of it.
 * Used by the demo and the tests; every address is a port-0 bind on 127.0.0.1 read back from the logs.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Service, startService } from './services.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
const GATEWAY_SCRIPT = fileURLToPath(new URL('../gateway/main.ts', import.meta.url));

export interface Stack {
  readonly worker: Service;
  readonly gateway: Service;
  /** The worker's request plane (`/generate`). */
  readonly workerUrl: string;
  /** The worker's system status server (/health, /live, /metrics). */
  readonly systemUrl: string;
  /** The gateway: OpenAI API plus /metrics, /health, /live. */
  readonly gatewayUrl: string;
}

export interface StackOptions {
  /** Environment of both services (DYN_LOGGING_JSONL, OTEL_*, …). */
  readonly env: NodeJS.ProcessEnv;
  readonly model: string;
  /** Extra environment of the worker only (WORKER_TTFT_MS, WORKER_ITL_MS, …). */
  readonly workerEnv?: NodeJS.ProcessEnv;
  /** Extra environment of the gateway only (GATEWAY_RESPONSE_TIMEOUT_MS, …). */
  readonly gatewayEnv?: NodeJS.ProcessEnv;
  /** Called after each step, for progress output. */
  readonly onStep?: (message: string) => void;
  /** Receives each service as soon as it is spawned, so a caller can stop it even if startup fails. */
  readonly onSpawn?: (service: Service) => void;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const step = options.onStep ?? (() => {});
  const worker = startService('worker', WORKER_SCRIPT, {
    ...options.env,
    OTEL_SERVICE_NAME: 'dynamo-worker',
    DYN_SYSTEM_PORT: '0',
    DYN_SYSTEM_HOST: '127.0.0.1',
    WORKER_HTTP_PORT: '0',
    DYN_HEALTH_CHECK_ENABLED: 'true',
    DYN_CANARY_WAIT_TIME: '1',
    ...options.workerEnv,
  });
  options.onSpawn?.(worker);
  const ready = (await worker.waitForLog((r) => r.message === 'worker listening', 20_000)).record;
  const workerUrl = String(ready.url);
  const systemUrl = String(ready.system_url);
  step(`worker pid ${worker.pid}: requests on ${workerUrl}, system server on ${systemUrl}`);
  await waitUntil(
    async () => (await fetch(`${systemUrl}/health`)).ok,
    15_000,
    'worker /health to become ready',
  );
  step('worker /health is ready: its canary got a first token from generate');

  const gateway = startService('gateway', GATEWAY_SCRIPT, {
    ...options.env,
    OTEL_SERVICE_NAME: 'dynamo-frontend',
    DYN_HTTP_PORT: '0',
    DYN_HTTP_HOST: '127.0.0.1',
    WORKER_URL: workerUrl,
    WORKER_HEALTH_URL: `${systemUrl}/health`,
    GATEWAY_MODELS: options.model,
    // Short, so the demo's stalled requests end quickly as `response_timeout`.
    GATEWAY_RESPONSE_TIMEOUT_MS: '1000',
    ...options.gatewayEnv,
  });
  options.onSpawn?.(gateway);
  const gatewayUrl = String(
    (await gateway.waitForLog((r) => r.message === 'gateway listening', 20_000)).record.url,
  );
  await waitUntil(
    async () => (await fetch(`${gatewayUrl}/health`)).ok,
    10_000,
    'gateway /health to become ready',
  );
  step(`gateway pid ${gateway.pid}: OpenAI API, /metrics, /health and /live on ${gatewayUrl}`);
  return { worker, gateway, workerUrl, systemUrl, gatewayUrl };
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
