/**
 * End to end, for Express and Fastify: real sockets, a real OTLP/gRPC receiver decoding the official
 * protobuf messages, JSONL logs captured and parsed. For one request, every signal must line up: the
 * echoed request id, the exported server span (continuing the inbound traceparent), the log lines'
 * trace_id/span_id/x_request_id, and the OpenMetrics exemplar on the duration histogram.
 */
import { request as httpRequest } from 'node:http';
import type { Telemetry } from 'dynotel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type Framework, startService, type TestApp, type TestService } from './apps.ts';
import type { LogCapture } from './log-capture.ts';

const UPSTREAM_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const UPSTREAM_SPAN = '00f067aa0ba902b7';

describe.each<Framework>(['express', 'fastify'])('dynotel middleware on %s', (framework) => {
  let receiver: OtlpReceiver;
  let service: TestService;
  let logs: LogCapture;
  let telemetry: Telemetry;
  let app: TestApp;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    service = await startService(framework, {
      DYN_LOGGING_JSONL: '1',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_SERVICE_NAME: `e2e-${framework}`,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      DYN_NAMESPACE: 'e2e',
      DYN_COMPONENT: 'api',
    });
    ({ logs, telemetry, app } = service);
  });

  afterEach(async () => {
    await service.close();
    await receiver.close();
  });

  it('lines up the request id, the span, the log lines and the exemplar of one request', async () => {
    const response = await fetch(`${app.url}/v1/items/42`, {
      headers: { 'x-request-id': 'e2e-req-1', traceparent: `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-01` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('e2e-req-1');

    await telemetry.tracing.forceFlush();
    const [span] = (await receiver.waitForSpans(1)).filter((s) => s.attributes.x_request_id === 'e2e-req-1');
    expect(span).toBeDefined();
    expect(span).toMatchObject({
      name: 'http-request',
      kind: 2,
      traceId: UPSTREAM_TRACE,
      parentSpanId: UPSTREAM_SPAN,
    });
    expect(span!.attributes).toMatchObject({
      method: 'GET',
      uri: '/v1/items/42',
      version: 'HTTP/1.1',
      'http.route': '/v1/items/:id',
      'http.response.status_code': 200,
      x_request_id: 'e2e-req-1',
    });
    expect(span!.attributes.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(span!.resource).toMatchObject({ 'service.name': `e2e-${framework}`, 'dynamo.namespace': 'e2e' });

    const requestLines = logs.records().filter((line) => line.x_request_id === 'e2e-req-1');
    expect(requestLines.map((line) => line.message)).toEqual(['handling item', 'http response sent']);
    for (const line of requestLines) {
      expect(line).toMatchObject({ trace_id: UPSTREAM_TRACE, span_id: span!.spanId });
      expect(line.request_id).toBe(span!.attributes.request_id);
    }
    expect(requestLines[1]).toMatchObject({ target: 'http', status: 200, route: '/v1/items/:id' });

    const scrape = await fetch(`${app.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } });
    expect(scrape.headers.get('content-type')).toContain('application/openmetrics-text');
    const body = await scrape.text();
    const bucketWithExemplar = body
      .split('\n')
      .find(
        (line) =>
          line.startsWith('http_server_request_duration_seconds_bucket{') &&
          line.includes('/v1/items/:id') &&
          line.includes(' # {'),
      );
    expect(bucketWithExemplar).toContain(`trace_id="${UPSTREAM_TRACE}"`);
    expect(bucketWithExemplar).toContain(`span_id="${span!.spanId}"`);
    expect(bucketWithExemplar).toContain('dynamo_namespace="e2e"');
  });

  it('continues the trace across an outgoing call with injected headers', async () => {
    const response = await fetch(`${app.url}/v1/hop`, { headers: { 'x-request-id': 'hop-1' } });
    expect(await response.json()).toEqual({ worker: true });
    await telemetry.tracing.forceFlush();
    const spans = (await receiver.waitForSpans(2)).filter((s) => s.attributes.x_request_id === 'hop-1');
    expect(spans).toHaveLength(2);
    const front = spans.find((s) => s.attributes['http.route'] === '/v1/hop')!;
    const worker = spans.find((s) => s.attributes['http.route'] === '/work')!;
    expect(worker.traceId).toBe(front.traceId);
    expect(worker.parentSpanId).toBe(front.spanId);
    // The worker logged in its own span, of the same trace, with the forwarded request id.
    const workerLine = logs.records().find((line) => line.message === 'downstream work')!;
    expect(workerLine).toMatchObject({
      trace_id: front.traceId,
      span_id: worker.spanId,
      x_request_id: 'hop-1',
    });
  });

  it('replaces an invalid x-request-id and records a failing request as a 500 error span', async () => {
    const response = await fetch(`${app.url}/v1/fail`, {
      method: 'POST',
      headers: { 'x-request-id': 'bad id!' },
    });
    expect(response.status).toBe(500);
    const echoed = response.headers.get('x-request-id')!;
    expect(echoed).not.toBe('bad id!');
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    await telemetry.tracing.forceFlush();
    const [span] = (await receiver.waitForSpans(1)).filter((s) => s.attributes.x_request_id === echoed);
    expect(span!.status.code).toBe(2);
    expect(span!.attributes['http.response.status_code']).toBe(500);
    expect(logs.records().some((line) => JSON.stringify(line).includes('bad id!'))).toBe(false);
    const access = logs
      .records()
      .find((line) => line.x_request_id === echoed && line.message === 'http response sent');
    expect(access).toMatchObject({ level: 'ERROR', status: 500 });
  });

  it('finishes a request whose client hung up after sending its body (499, nothing left in flight)', async () => {
    const controller = new AbortController();
    const pending = fetch(`${app.url}/v1/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gone-1' },
      body: JSON.stringify({ prompt: 'hello' }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow();
    const access = await waitFor(() =>
      logs.records().find((line) => line.x_request_id === 'gone-1' && line.message === 'http response sent'),
    );
    expect(access).toMatchObject({ status: 499, aborted: true, route: '/v1/slow' });
    const body = await (await fetch(`${app.url}/metrics`)).text();
    expect(body).toMatch(/http_server_active_requests\{[^}]*http_request_method="POST"[^}]*\} 0/);
    expect(body).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*http_response_status_code="499"[^}]*\} 1/,
    );
  });

  it('finishes a streamed response once its last chunk is sent (one span, one access line)', async () => {
    const response = await fetch(`${app.url}/v1/stream`, { headers: { 'x-request-id': 'stream-1' } });
    expect(await response.text()).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\ndata: [DONE]\n\n');
    const access = await waitFor(() =>
      logs
        .records()
        .find((line) => line.x_request_id === 'stream-1' && line.message === 'http response sent'),
    );
    expect(access).toMatchObject({ status: 200, route: '/v1/stream' });
    expect(access.aborted).toBeUndefined();
    expect(access.latency_ms).toBeGreaterThanOrEqual(40);
    await telemetry.tracing.forceFlush();
    const streamSpans = (await receiver.waitForSpans(1)).filter(
      (span) => span.attributes.x_request_id === 'stream-1',
    );
    expect(streamSpans).toHaveLength(1);
    expect(streamSpans[0]!.attributes).toMatchObject({
      'http.route': '/v1/stream',
      'http.response.status_code': 200,
    });
  });

  it('feeds the work-handler metrics of a route declared as a Dynamo endpoint', async () => {
    const body = JSON.stringify({ prompt: 'hi' });
    const ok = await fetch(`${app.url}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(ok.status).toBe(200);
    const failed = await fetch(`${app.url}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail: true }),
    });
    expect(failed.status).toBe(500);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const value = (name: string) =>
      Number(
        new RegExp(`^${name}\\{[^}]*dynamo_endpoint="generate"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1],
      );
    expect(value('dynamo_component_requests_total')).toBe(2);
    expect(value('dynamo_component_request_bytes_total')).toBe(
      Buffer.byteLength(body) + Buffer.byteLength('{"fail":true}'),
    );
    expect(value('dynamo_component_response_bytes_total')).toBeGreaterThanOrEqual(
      2 * Buffer.byteLength('{"text":"hello world"}'),
    );
    expect(value('dynamo_component_inflight_requests')).toBe(0);
    expect(metrics).toMatch(/dynamo_component_errors_total\{[^}]*error_type="generate"[^}]*\} 1/);
  });

  it('counts a Dynamo endpoint request whose client hung up as a cancellation, and leaves nothing in flight', async () => {
    const controller = new AbortController();
    const pending = fetch(`${app.url}/v1/generate-slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello' }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow();
    // Dynamo's label sanitising makes the endpoint `slow-generate` the label value `slow_generate`.
    const value = (metrics: string, name: string) =>
      Number(
        new RegExp(`^${name}\\{[^}]*dynamo_endpoint="slow_generate"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1],
      );
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return value(text, 'dynamo_component_cancellation_total') === 1 ? text : undefined;
    });
    expect(value(metrics, 'dynamo_component_requests_total')).toBe(1);
    expect(value(metrics, 'dynamo_component_inflight_requests')).toBe(0);
    expect(value(metrics, 'dynamo_component_request_duration_seconds_count')).toBe(1);
    expect(metrics).not.toMatch(/dynamo_component_errors_total\{[^}]*dynamo_endpoint="slow_generate"/);
  });

  it('serves /health on the application port, ready once the server is serving', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    // The application port answers in the shape of Dynamo's frontend, its served endpoints as dyn:// paths.
    const body = (await response.json()) as { endpoints: string[] };
    expect(body).toMatchObject({ status: 'healthy', instances: [] });
    for (const endpoint of body.endpoints) expect(endpoint).toMatch(/^dyn:\/\/e2e\.api\.[\w-]+$/);
    const live = await fetch(`${app.url}/live`);
    expect(live.status).toBe(200);
  });

  it('keeps route and method label sets bounded under 10k random paths and methods', async () => {
    // Node's parser refuses unregistered methods; these it accepts, and dynotel must fold them to _OTHER.
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'PURGE', 'MKCOL', 'LOCK'];
    const { port } = new URL(app.url);
    let sent = 0;
    const worker = async () => {
      while (sent < 10_000) {
        const i = sent++;
        await send(
          Number(port),
          methods[i % methods.length]!,
          `/random/${i}/${Math.random().toString(36).slice(2)}`,
        );
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const body = await (await fetch(`${app.url}/metrics`)).text();
    const counts = body
      .split('\n')
      .filter((line) => line.startsWith('http_server_request_duration_seconds_count{'));
    const routes = new Set(counts.map((line) => /http_route="([^"]*)"/.exec(line)![1]));
    const seenMethods = new Set(counts.map((line) => /http_request_method="([^"]*)"/.exec(line)![1]));
    expect([...routes]).toEqual(['unmatched']);
    expect([...seenMethods].sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT', '_OTHER']);
    const total = counts.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect(total).toBe(10_000);
  });
});

/**
 * With the tracing SDK off (the metrics-only setup) a request has no span of its own. Its access line
 * still names the trace the request came with, and the request ids work as ever. (OTEL_SDK_DISABLED
 * turns the OpenTelemetry API into no-ops, so nothing carries the trace further.)
 */
describe.each<Framework>(['express', 'fastify'])('dynotel middleware on %s without tracing', (framework) => {
  let service: TestService;
  let logs: LogCapture;
  let app: TestApp;

  beforeEach(async () => {
    service = await startService(framework, { DYN_LOGGING_JSONL: '1', OTEL_SDK_DISABLED: 'true' });
    ({ logs, app } = service);
  });

  afterEach(() => service.close());

  it("records an incoming trace in the request's access line, and passes the request id downstream", async () => {
    const response = await fetch(`${app.url}/v1/hop`, {
      headers: { 'x-request-id': 'untraced-1', traceparent: `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-01` },
    });
    expect(await response.json()).toEqual({ worker: true });
    expect(response.headers.get('x-request-id')).toBe('untraced-1');
    const lines = logs.records().filter((line) => line.x_request_id === 'untraced-1');
    // The worker's line and access line, then the front's access line: one request id throughout.
    expect(lines.map((line) => line.message)).toEqual([
      'downstream work',
      'http response sent',
      'http response sent',
    ]);
    const frontAccess = lines.find((line) => line.route === '/v1/hop');
    expect(frontAccess).toMatchObject({ trace_id: UPSTREAM_TRACE, span_id: UPSTREAM_SPAN, status: 200 });
  });

  it('writes no trace ids for a request that came without a trace', async () => {
    const response = await fetch(`${app.url}/v1/items/7`, { headers: { 'x-request-id': 'untraced-2' } });
    expect(response.status).toBe(200);
    const lines = logs.records().filter((line) => line.x_request_id === 'untraced-2');
    expect(lines.map((line) => line.message)).toEqual(['handling item', 'http response sent']);
    for (const line of lines) {
      expect(line.trace_id).toBeUndefined();
      expect(line.span_id).toBeUndefined();
      expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function send(port: number, method: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: keepAlive }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

import { Agent } from 'node:http';

const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });
