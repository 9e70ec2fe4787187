/**
 * A worker crashing behind the gateway (examples/llm-gateway, both as real processes), under streaming
 * load: the worker is SIGKILLed while streams are in flight, load goes on against the dead worker, then
 * the worker is restarted on the same ports. Checks:
 * - no request hangs: in-flight streams end with an SSE error event (no `[DONE]`) and requests sent to
 *   the dead worker get a 503 quickly; every request settles well inside a fixed bound;
 * - the gateway keeps serving: /live stays 200 throughout; /health is 503 while the worker is down
 *   (the gateway's readiness check on the worker, WORKER_HEALTH_URL) and 200 again after the restart;
 * - exact counts: dynamo_frontend_requests_total{status="error"} = failures the clients saw, by
 *   error_type, and {status="success"} = successes; in-flight gauges back at 0; one ERROR
 *   `request completed` line per failure;
 * - every failed request's `chat_completions` span carries error status at the collector;
 * - the gateway's live heap (after a full GC, read through the inspector) stays flat; after the
 *   restart every request succeeds again.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { parseSamples, type Sample, sum } from '../../examples/llm-gateway/src/demo/prometheus-text.ts';
import { type Service, startService } from '../../examples/llm-gateway/src/demo/services.ts';
import { type Stack, startStack, waitUntil } from '../../examples/llm-gateway/src/demo/stack.ts';
import { freePort } from '../support/free-port.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { quantile } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const MODEL = 'Test/Model-A';
const WORKER_SCRIPT = fileURLToPath(
  new URL('../../examples/llm-gateway/src/worker/main.ts', import.meta.url),
);
const BEFORE_KILL = sized(60, 400);
const WHILE_DEAD = sized(120, 600);
const AFTER_RESTART = sized(60, 400);
const CONCURRENCY = 16;
/** No request may take longer (a hang fails the test); the worker streams in about 0.2 s. */
const HANG_BOUND_MS = 10_000;
/** Requests to a dead worker must fail fast: far above a refused connection, far below a hang. */
const DEAD_P99_CEILING_MS = 1000;
const MiB = 1024 * 1024;

/** `stream_error`: a 200 stream that ended with an SSE error event; `cut`: one that just stopped. */
type Outcome = 'ok' | 'http_error' | 'stream_error' | 'cut' | 'hang';
interface ChatResult {
  readonly id: string;
  readonly status: number;
  /** The error message the client got (JSON body or SSE error event), '' on success. */
  readonly message: string;
  readonly outcome: Outcome;
  readonly latencyMs: number;
  readonly startedAt: number;
}

let services: Service[] = [];
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await Promise.all(services.map((s) => s.stop(5000)));
  services = [];
  await receiver?.close();
  receiver = undefined;
});

async function chat(stack: Stack, id: string): Promise<ChatResult> {
  const startedAt = performance.now();
  let status = 0;
  let outcome: Outcome;
  let message = '';
  try {
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'tell me about the crash' }],
        stream: true,
        max_tokens: 16,
      }),
      signal: AbortSignal.timeout(HANG_BOUND_MS),
    });
    status = response.status;
    const body = await response.text();
    const error = /"error":\{"message":"((?:[^"\\]|\\.)*)"/.exec(body);
    message = error?.[1] ?? '';
    if (status !== 200) outcome = 'http_error';
    else if (body.includes('data: [DONE]') && error === null) outcome = 'ok';
    else outcome = error === null ? 'cut' : 'stream_error';
  } catch (error) {
    outcome = (error as Error).name === 'TimeoutError' ? 'hang' : 'http_error';
    message = String(error);
  }
  return { id, status, message, outcome, latencyMs: performance.now() - startedAt, startedAt };
}

/** Streams at CONCURRENCY until `stop()`, or `total` requests. */
async function load(
  stack: Stack,
  prefix: string,
  options: { total?: number; stop?: () => boolean; onResult?: (r: ChatResult) => void },
): Promise<ChatResult[]> {
  const results: ChatResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < (options.total ?? 100_000) && options.stop?.() !== true) {
      const result = await chat(stack, `${prefix}-${next++}`);
      results.push(result);
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/**
 * heapUsed of the gateway after a full GC, through the inspector (the gateway runs with
 * `--inspect=127.0.0.1:0`; Chrome DevTools Protocol over the WebSocket it announces on stderr).
 */
async function heapAfterGc(service: Service): Promise<number> {
  const url = service.otherOutput.map((l) => /ws:\/\/\S+/.exec(l)?.[0]).find((u) => u !== undefined);
  if (url === undefined)
    throw new Error(`no inspector URL in the gateway's stderr:\n${service.otherOutput.join('\n')}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let nextId = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++nextId;
      socket.addEventListener('message', function onMessage(event) {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
        if (message.id !== id) return;
        socket.removeEventListener('message', onMessage);
        resolve(message.result ?? {});
      });
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    return Number((await call('Runtime.getHeapUsage')).usedSize);
  } finally {
    socket.close();
  }
}

const rssOf = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) * 1024;
};
const scrape = async (stack: Stack): Promise<Sample[]> =>
  parseSamples(await (await fetch(`${stack.gatewayUrl}/metrics`)).text());
const statusOf = async (url: string): Promise<number> =>
  fetch(url, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.body?.cancel().then(() => r.status) ?? r.status,
    () => 0,
  );

it('keeps the gateway serving through a worker crash, counts every failure exactly, and recovers', async () => {
  receiver = await startOtlpReceiver();
  const env = { ...process.env, DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' };
  const workerPorts = {
    WORKER_HTTP_PORT: String(await freePort()),
    DYN_SYSTEM_PORT: String(await freePort()),
  };
  const workerEnv = { WORKER_TTFT_MS: '20', WORKER_ITL_MS: '10', WORKER_JITTER: '0', ...workerPorts };
  const stack = await startStack({
    env,
    model: MODEL,
    workerEnv,
    gatewayEnv: {
      OTEL_EXPORT_ENABLED: '1',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
    },
    onSpawn: (service) => services.push(service),
  });
  const gatewayPid = stack.gateway.pid;

  // 1. Streaming load; SIGKILL the worker once BEFORE_KILL streams completed, keep the load on until
  //    WHILE_DEAD requests were sent to the dead worker.
  let completed = 0;
  let killedAt: number | undefined;
  let exitedAt: number | undefined;
  let sentAfterKill = 0;
  const liveDuringOutage: number[] = [];
  const healthDuringOutage: number[] = [];
  const warm = await load(stack, 'warm', { total: 32 });
  expect(warm.filter((r) => r.outcome !== 'ok')).toEqual([]);
  // waitForLog rejects when the process exits: the moment the worker is really gone.
  void stack.worker
    .waitForLog(() => false, 120_000)
    .catch(() => {
      exitedAt = performance.now();
    });
  const rssWarm = rssOf(gatewayPid);
  const heapWarm = await heapAfterGc(stack.gateway);
  const results = await load(stack, 'crash', {
    stop: () => {
      if (exitedAt === undefined) return false;
      return sentAfterKill++ >= WHILE_DEAD;
    },
    onResult: (r) => {
      if (r.outcome === 'ok') completed++;
      if (completed >= BEFORE_KILL && killedAt === undefined) {
        killedAt = performance.now();
        process.kill(stack.worker.pid, 'SIGKILL');
      }
    },
  });
  expect(killedAt).toBeDefined();
  expect(exitedAt).toBeDefined();
  liveDuringOutage.push(await statusOf(`${stack.gatewayUrl}/live`));
  // The readiness check polls the worker with a 500 ms timeout: /health turns 503 at once (refused).
  await waitUntil(
    async () => (await statusOf(`${stack.gatewayUrl}/health`)) === 503,
    5000,
    'gateway /health 503',
  );
  healthDuringOutage.push(await statusOf(`${stack.gatewayUrl}/health`));
  liveDuringOutage.push(await statusOf(`${stack.gatewayUrl}/live`));
  const rssDead = rssOf(gatewayPid);
  const heapDead = await heapAfterGc(stack.gateway);

  const hangs = results.filter((r) => r.outcome === 'hang' || r.outcome === 'cut');
  expect(hangs).toEqual([]);
  const before = results.filter((r) => r.startedAt < exitedAt!);
  const after = results.filter((r) => r.startedAt >= exitedAt!);
  // Streams in flight at the kill ended with an error, not a hang; nothing after it succeeded.
  const inFlightFailures = before.filter((r) => r.outcome !== 'ok');
  expect(inFlightFailures.length).toBeGreaterThan(0);
  expect(after.length).toBeGreaterThanOrEqual(WHILE_DEAD);
  expect(after.filter((r) => r.outcome === 'ok')).toEqual([]);
  expect(after.every((r) => r.status === 503)).toBe(true);
  // A clear answer: the gateway names the cause, not just "fetch failed".
  // (A request the gateway put on a pooled connection before it noticed the close gets the reset.)
  const unclear = after.filter(
    (r) => !/^worker unreachable: (ECONNREFUSED|ECONNRESET|other side closed)$/.test(r.message),
  );
  expect(unclear).toEqual([]);
  const deadLatencies = after.map((r) => r.latencyMs);
  expect(quantile(deadLatencies, 0.99)).toBeLessThan(DEAD_P99_CEILING_MS);
  expect(Math.max(...results.map((r) => r.latencyMs))).toBeLessThan(HANG_BOUND_MS);
  expect(liveDuringOutage.every((s) => s === 200)).toBe(true);
  expect(healthDuringOutage).toEqual([503]);

  // 2. Restart the worker on the same ports: the gateway recovers without a restart of its own.
  const restarted = startService('worker', WORKER_SCRIPT, {
    ...env,
    OTEL_SERVICE_NAME: 'dynamo-worker',
    DYN_SYSTEM_HOST: '127.0.0.1',
    DYN_HEALTH_CHECK_ENABLED: 'true',
    DYN_CANARY_WAIT_TIME: '1',
    ...workerEnv,
  });
  services.push(restarted);
  const restartAt = performance.now();
  await waitUntil(
    async () => (await statusOf(`${stack.gatewayUrl}/health`)) === 200,
    20_000,
    'gateway /health 200',
  );
  const recoveryMs = performance.now() - restartAt;
  const recovered = await load(stack, 'recovered', { total: AFTER_RESTART });
  expect(recovered.filter((r) => r.outcome !== 'ok')).toEqual([]);
  const rssEnd = rssOf(gatewayPid);
  const heapEnd = await heapAfterGc(stack.gateway);
  // Bounded memory: what failed requests leave behind is collected (RSS follows V8's heap sizing, not
  // what is live, so the live heap after a full GC is what is asserted).
  expect(heapDead - heapWarm).toBeLessThan(8 * MiB);
  expect(heapEnd - heapWarm).toBeLessThan(8 * MiB);

  // 3. Exact counts on the gateway: what the clients saw is what the metrics say.
  const all = [...warm, ...results, ...recovered];
  const ok = all.filter((r) => r.outcome === 'ok').length;
  const failed = all.filter((r) => r.outcome !== 'ok');
  const samples = await scrape(stack);
  const reqs = 'dynamo_frontend_requests_total';
  expect(sum(samples, reqs, { status: 'success' })).toBe(ok);
  expect(sum(samples, reqs, { status: 'error' })).toBe(failed.length);
  const streamErrors = failed.filter((r) => r.outcome === 'stream_error').length;
  const refused = failed.filter((r) => r.status === 503).length;
  const otherHttp = failed.length - streamErrors - refused;
  // Streams cut by the crash are `internal` (500 inside the stream); a dead worker is a 503: `overload`.
  expect(sum(samples, reqs, { status: 'error', error_type: 'internal' })).toBe(streamErrors + otherHttp);
  expect(sum(samples, reqs, { status: 'error', error_type: 'overload' })).toBe(refused);
  expect(sum(samples, 'dynamo_frontend_inflight_requests')).toBe(0);
  // The restarted worker served the recovered requests without a work-handler error (its counters
  // start again from zero: the crashed process took its own with it).
  const workerSamples = parseSamples(await (await fetch(`${stack.systemUrl}/metrics`)).text());
  expect(sum(workerSamples, 'dynamo_component_errors_total')).toBe(0);
  expect(
    sum(workerSamples, 'dynamo_component_requests_total', { dynamo_endpoint: 'generate' }),
  ).toBeGreaterThanOrEqual(AFTER_RESTART);
  const errorLines = stack.gateway.lines.filter(
    (l) => l.record.message === 'request completed' && l.record.status === 'error',
  );
  expect(errorLines).toHaveLength(failed.length);

  // 4. Spans: every failed request's chat_completions span has error status.
  await stack.gateway.stop(10_000);
  const spans = await receiver.waitForSpans(ok + failed.length, 10_000).catch(() => receiver!.spans());
  const serverSpanOf = new Map<string, string>();
  for (const span of spans)
    if (span.name === 'http-request' && typeof span.attributes.x_request_id === 'string')
      serverSpanOf.set(span.attributes.x_request_id, span.spanId);
  const chatSpanOf = new Map<string, (typeof spans)[number]>();
  for (const span of spans) if (span.name === 'chat_completions') chatSpanOf.set(span.parentSpanId, span);
  const failedSpanStatus = failed.map((r) => chatSpanOf.get(serverSpanOf.get(r.id) ?? '')?.status.code);
  expect(failedSpanStatus.filter((code) => code !== 2)).toEqual([]);
  const okSpanStatus = recovered.map((r) => chatSpanOf.get(serverSpanOf.get(r.id) ?? '')?.status.code);
  expect(okSpanStatus.every((code) => code !== 2 && code !== undefined)).toBe(true);

  recordFigures('worker-crash', {
    streamsBeforeKill: before.length,
    inFlightAtKill: {
      streamErrors: inFlightFailures.filter((r) => r.outcome === 'stream_error').length,
      http: inFlightFailures.filter((r) => r.outcome === 'http_error').length,
    },
    messagesAtKill: [...new Set(inFlightFailures.map((r) => `${r.status} ${r.message}`))],
    sentWhileDead: after.length,
    deadP99Ms: Math.round(quantile(deadLatencies, 0.99) * 10) / 10,
    deadMaxMs: Math.round(Math.max(...deadLatencies) * 10) / 10,
    maxLatencyMs: Math.round(Math.max(...results.map((r) => r.latencyMs))),
    metrics: { success: ok, internal: streamErrors + otherHttp, overload: refused },
    failedSpansWithErrorStatus: failedSpanStatus.length,
    recoveryMs: Math.round(recoveryMs),
    afterRestart: recovered.length,
    heapAfterGcMiB: {
      warm: +(heapWarm / MiB).toFixed(1),
      dead: +(heapDead / MiB).toFixed(1),
      end: +(heapEnd / MiB).toFixed(1),
    },
    rssMiB: {
      warm: +(rssWarm / MiB).toFixed(1),
      dead: +(rssDead / MiB).toFixed(1),
      end: +(rssEnd / MiB).toFixed(1),
    },
  });
});
