/**
 * The gateway and the worker as real processes: OpenAI wire format (SSE and unary), trace and request-id
 * propagation gateway → worker, Dynamo's frontend and work-handler metrics, error mapping, disconnects.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSamples, type Sample, sum } from '../src/demo/prometheus-text.ts';
import type { Service } from '../src/demo/services.ts';
import { type Stack, startStack, waitUntil } from '../src/demo/stack.ts';

const MODEL = 'Test/Model-A';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

async function chat(stack: Stack, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const user = (content: string) => [{ role: 'user', content }];

async function scrape(url: string): Promise<Sample[]> {
  return parseSamples(await (await fetch(`${url}/metrics`)).text());
}

describe('examples/llm-gateway', () => {
  let services: Service[] = [];
  let stack: Stack;

  beforeEach(async () => {
    services = [];
    stack = await startStack({
      env: { ...process.env, DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' },
      model: MODEL,
      workerEnv: { WORKER_TTFT_MS: '20', WORKER_ITL_MS: '5', WORKER_JITTER: '0' },
      onSpawn: (service) => services.push(service),
    });
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop(5000)));
  });

  it('streams chat.completion.chunk events ending with [DONE] and continues the caller trace on the worker', async () => {
    const response = await chat(
      stack,
      {
        model: MODEL,
        messages: user('one two three four'),
        stream: true,
        max_tokens: 5,
        stream_options: { include_usage: true },
      },
      { 'x-request-id': 'it-stream-1', traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toBe('it-stream-1');
    const events = (await response.text()).split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks).toHaveLength(7); // 5 tokens, the finish chunk, the usage chunk
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: MODEL });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks[5].choices[0].finish_reason).toBe('length');
    expect(chunks[6].usage).toEqual({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    // The worker's log lines belong to the caller's trace and carry the forwarded x-request-id.
    const completed = await stack.worker.waitForLog(
      (r) => r.message === 'request completed' && r.x_request_id === 'it-stream-1',
      5000,
    );
    expect(completed.record).toMatchObject({ trace_id: TRACE_ID, output_tokens: 5, input_tokens: 5 });
    const gatewayLine = await stack.gateway.waitForLog(
      (r) => r.message === 'request completed' && r.x_request_id === 'it-stream-1',
      5000,
    );
    expect(gatewayLine.record).toMatchObject({
      trace_id: TRACE_ID,
      status: 'success',
      request_type: 'stream',
    });

    const gateway = await scrape(stack.gatewayUrl);
    const model = MODEL.toLowerCase();
    expect(
      sum(gateway, 'dynamo_frontend_requests_total', {
        model,
        endpoint: 'chat_completions',
        request_type: 'stream',
        status: 'success',
        error_type: '',
      }),
    ).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_time_to_first_token_seconds_count', { model })).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_inter_token_latency_seconds_count', { model })).toBe(4);
    expect(sum(gateway, 'dynamo_frontend_output_sequence_tokens_sum', { model })).toBe(5);
    expect(sum(gateway, 'dynamo_frontend_input_sequence_tokens_sum', { model })).toBe(5);
    expect(sum(gateway, 'dynamo_frontend_inflight_requests')).toBe(0);
    const worker = await scrape(stack.systemUrl);
    expect(
      sum(worker, 'dynamo_component_requests_total', {
        dynamo_namespace: 'dynamo',
        dynamo_component: 'backend',
        dynamo_endpoint: 'generate',
      }),
    ).toBe(1);
    expect(sum(worker, 'dynamo_component_response_bytes_total')).toBeGreaterThan(0);
    // The engine's own metrics on the endpoint level, and the gateway's tokenize latency.
    expect(sum(worker, 'dynamo_component_output_tokens_total', { dynamo_endpoint: 'generate' })).toBe(5);
    expect(worker.some((m) => m.name === 'dynamo_component_gpu_cache_usage_percent' && m.value === 0)).toBe(
      true,
    );
    expect(sum(gateway, 'dynamo_frontend_tokenizer_latency_ms_count', { operation: 'tokenize' })).toBe(1);
  });

  it('answers unary requests with one chat.completion, and lists its models', async () => {
    const models = await (await fetch(`${stack.gatewayUrl}/v1/models`)).json();
    expect(models).toMatchObject({ object: 'list', data: [{ id: MODEL, object: 'model' }] });

    const response = await chat(stack, { model: MODEL, messages: user('hello'), max_tokens: 3 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { role: string; content: string } }[] };
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
    expect(body.choices[0]?.message.role).toBe('assistant');
    expect(body.choices[0]?.message.content.split(' ')).toHaveLength(3);
    const gateway = await scrape(stack.gatewayUrl);
    expect(sum(gateway, 'dynamo_frontend_requests_total', { request_type: 'unary', status: 'success' })).toBe(
      1,
    );
  });

  it("maps failures to Dynamo's error types on both services", async () => {
    expect((await chat(stack, { model: 'unknown', messages: user('x') })).status).toBe(404);
    expect((await chat(stack, { model: MODEL, messages: [] })).status).toBe(400);
    expect((await chat(stack, { model: MODEL, messages: user('[worker-error]') })).status).toBe(500);
    expect(
      (await chat(stack, { model: MODEL, messages: user('[worker-overload]'), stream: true })).status,
    ).toBe(503);

    // After the first token the status is already 200: the failure arrives as an SSE error event.
    const midStream = await chat(stack, {
      model: MODEL,
      messages: user('[worker-error-midstream]'),
      stream: true,
    });
    expect(midStream.status).toBe(200);
    const midStreamText = await midStream.text();
    expect(midStreamText).toContain('event: error');
    expect(midStreamText).not.toContain('[DONE]');
    // A worker that stops answering is cut off by the gateway's response timeout (1 s here).
    expect((await chat(stack, { model: MODEL, messages: user('[worker-stall]') })).status).toBe(504);

    const gateway = await scrape(stack.gatewayUrl);
    const errors = (errorType: string) =>
      sum(gateway, 'dynamo_frontend_requests_total', { status: 'error', error_type: errorType });
    expect(errors('not_found')).toBe(1);
    expect(errors('validation')).toBe(1);
    expect(errors('internal')).toBe(2);
    expect(errors('response_timeout')).toBe(1);
    expect(errors('overload')).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_model_rejection_total', { model: MODEL.toLowerCase() })).toBe(1);
    const worker = await scrape(stack.systemUrl);
    expect(sum(worker, 'dynamo_component_errors_total', { error_type: 'generate' })).toBe(2);
    await waitUntil(
      async () => sum(await scrape(stack.systemUrl), 'dynamo_component_cancellation_total') === 1,
      5000,
      'the worker to cancel the stalled request',
    );
  });

  it('counts a client that hangs up mid-stream as a disconnect and cancels the work on the worker', async () => {
    const abort = new AbortController();
    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: user('long answer'), stream: true, max_tokens: 400 }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();

    await waitUntil(
      async () => sum(await scrape(stack.systemUrl), 'dynamo_component_cancellation_total') === 1,
      5000,
      'the worker to count the cancellation',
    );
    await sleep(50);
    const gateway = await scrape(stack.gatewayUrl);
    expect(sum(gateway, 'dynamo_frontend_disconnected_clients')).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_requests_total', { status: 'error', error_type: 'cancelled' })).toBe(
      1,
    );
    expect(sum(gateway, 'dynamo_frontend_model_cancellation_total', { request_type: 'stream' })).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_active_requests')).toBe(0);
    // Both HTTP servers account for the dropped connection as a finished 499, not a request in flight.
    for (const url of [stack.gatewayUrl, stack.systemUrl]) {
      const samples = await scrape(url);
      expect(sum(samples, 'http_server_active_requests')).toBe(0);
      expect(
        sum(samples, 'http_server_request_duration_seconds_count', { http_response_status_code: '499' }),
      ).toBe(1);
    }
  });

  it('reports health the Dynamo way on both services: worker shape on the system port, frontend shape on the gateway', async () => {
    const worker = await fetch(`${stack.systemUrl}/health`);
    expect(worker.status).toBe(200);
    expect(await worker.json()).toMatchObject({ status: 'ready', endpoints: { generate: 'ready' } });

    // Dynamo's frontend body: {"endpoints":["dyn://ns.component.endpoint"],"instances":[…],"status":"healthy"},
    // once the gateway has discovered its worker (as Dynamo's frontend lists workers once they register).
    let text = '';
    await waitUntil(
      async () => {
        const response = await fetch(`${stack.gatewayUrl}/health`);
        text = await response.text();
        return response.status === 200 && dynamoCheckHealthGenerate(JSON.parse(text));
      },
      10_000,
      "the gateway's /health to pass Dynamo's check_health_generate",
    );
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      status: 'healthy',
      endpoints: ['dyn://dynamo.backend.generate'],
      checks: { worker: 'ready' },
    });
    expect(body.instances).toHaveLength(1);
    const [instance] = body.instances;
    expect(Object.keys(instance)).toEqual(['component', 'endpoint', 'namespace', 'instance_id', 'transport']);
    expect(instance).toMatchObject({ component: 'backend', endpoint: 'generate', namespace: 'dynamo' });
    expect(instance.transport.http).toBe(`${stack.workerUrl}/generate`);
    // instance_id is a bare JSON number (a u64), the worker's DYN_INSTANCE_ID in decimal.
    expect(text).toMatch(/"instance_id":\d+,/);
    expect(await (await fetch(`${stack.gatewayUrl}/live`)).json()).toEqual({
      status: 'live',
      message: 'Service is live',
    });

    // With the worker gone, the gateway's readiness check fails its /health: 503 in the shape newer
    // Dynamo frontends use until ready, with dynotel's check detail beside it.
    await stack.worker.stop();
    const after = await fetch(`${stack.gatewayUrl}/health`);
    expect(after.status).toBe(503);
    expect(await after.json()).toMatchObject({
      status: 'not_ready',
      stage: 'readiness_checks',
      message: 'Service is not ready',
      checks: { worker: 'notready' },
    });
  });

  it("fills Dynamo's per-worker, stage and work-handler metrics", async () => {
    await waitUntil(
      async () => {
        const body = (await (await fetch(`${stack.gatewayUrl}/health`)).json()) as { endpoints?: unknown[] };
        return (body.endpoints?.length ?? 0) > 0;
      },
      10_000,
      'worker discovery',
    );
    const response = await chat(stack, {
      model: MODEL,
      messages: user('a b c d'),
      stream: true,
      max_tokens: 4,
    });
    await response.text();
    const gateway = await scrape(stack.gatewayUrl);
    for (const name of [
      'dynamo_frontend_worker_last_time_to_first_token_seconds',
      'dynamo_frontend_worker_last_input_sequence_tokens',
      'dynamo_frontend_worker_last_inter_token_latency_seconds',
    ]) {
      const samples = gateway.filter((sample) => sample.name === name);
      expect(samples, name).toHaveLength(1);
      expect(samples[0]?.labels).toMatchObject({ dp_rank: 'none', worker_type: 'decode' });
      expect(samples[0]?.labels.worker_id).toMatch(/^\d+$/);
    }
    for (const stage of ['preprocess', 'route', 'dispatch'])
      expect(sum(gateway, 'dynamo_frontend_stage_duration_seconds_count', { stage })).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_tokenize_seconds_count')).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_template_seconds_count')).toBe(1);
    expect(sum(gateway, 'dynamo_frontend_detokenize_token_count')).toBe(4);
    const worker = await scrape(stack.systemUrl);
    expect(sum(worker, 'dynamo_work_handler_network_transit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sum(worker, 'dynamo_work_handler_time_to_first_response_seconds_count')).toBeGreaterThanOrEqual(1);
  });
});

/**
 * What Dynamo's test helper `check_health_generate` (tests/utils/payloads.py) accepts: a `generate`
 * endpoint named in `endpoints` (a string containing it) or in `instances` (an object whose `endpoint`
 * is `generate`). Re-stated here, not copied.
 */
function dynamoCheckHealthGenerate(body: { endpoints?: unknown; instances?: unknown }): boolean {
  const endpoints = Array.isArray(body.endpoints) ? body.endpoints : [];
  if (endpoints.some((endpoint) => typeof endpoint === 'string' && endpoint.includes('generate')))
    return true;
  const instances = Array.isArray(body.instances) ? body.instances : [];
  return instances.some(
    (instance) => typeof instance === 'object' && instance !== null && instance.endpoint === 'generate',
  );
}
