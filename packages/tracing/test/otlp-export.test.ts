import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runWithRequestContext, selfMetrics } from '@dynotel/core';
import { SpanKind } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import {
  createTracing,
  extractTraceContext,
  injectTraceHeaders,
  type OtlpProtocol,
  setRequestIdAttributes,
  type Tracing,
  withSpan,
} from '../src/index.ts';

// Export to a real OTLP receiver over gRPC and HTTP/protobuf and check what arrives, decoded with
// the official opentelemetry-proto messages.

let receiver: OtlpReceiver;
let tracing: Tracing | undefined;
let server: http.Server | undefined;

beforeEach(async () => {
  selfMetrics.reset();
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await tracing?.shutdown(1000);
  tracing = undefined;
  server?.closeAllConnections();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server = undefined;
  await receiver.close();
});

function start(protocol: OtlpProtocol, extra: Parameters<typeof createTracing>[0] = {}): Tracing {
  tracing = createTracing({
    exportEnabled: true,
    protocol,
    endpoint: protocol === 'grpc' ? receiver.grpcEndpoint : `${receiver.httpEndpoint}/v1/traces`,
    serviceName: 'dynamo-frontend',
    resourceAttributes: { 'deployment.environment': 'test', 'service.name': 'overridden' },
    namespace: 'dynamo',
    component: 'frontend',
    instance: 'frontend-0',
    headers: { authorization: 'Bearer t0ken' },
    batch: { scheduleDelayMs: 20 },
    ...extra,
  });
  return tracing;
}

describe.each(['grpc', 'http/protobuf'] as const)('export over %s', (protocol) => {
  test('spans arrive with the resource, names, attributes, ids and parent/child links', async () => {
    const t = start(protocol);
    const ids = await runWithRequestContext(
      { requestId: '7b0b2a6e-3c55-4d5a-9f3b-0e9b1c2d3e4f', xRequestId: 'abc-1' },
      () =>
        withSpan('http-request', async (root) => {
          setRequestIdAttributes(root);
          root.setAttribute('model', 'llama');
          const child = await withSpan('handle_payload', async (span) => {
            span.setAttribute('input_tokens', 12);
            return span.spanContext();
          });
          return { root: root.spanContext(), child };
        }),
    );
    await t.forceFlush(2000);
    const spans = await receiver.waitForSpans(2);
    expect(spans).toHaveLength(2);

    const root = spans.find((s) => s.name === 'http-request');
    const child = spans.find((s) => s.name === 'handle_payload');
    expect(root?.traceId).toBe(ids.root.traceId);
    expect(root?.spanId).toBe(ids.root.spanId);
    expect(root?.parentSpanId).toBe('');
    expect(root?.attributes).toMatchObject({
      x_request_id: 'abc-1',
      request_id: '7b0b2a6e-3c55-4d5a-9f3b-0e9b1c2d3e4f',
      model: 'llama',
    });
    expect(child?.traceId).toBe(ids.root.traceId);
    expect(child?.spanId).toBe(ids.child.spanId);
    expect(child?.parentSpanId).toBe(ids.root.spanId);
    expect(child?.attributes).toEqual({ input_tokens: 12 });
    expect(child?.endTimeUnixNano).toBeGreaterThanOrEqual(child?.startTimeUnixNano ?? 0n);

    expect(root?.resource).toMatchObject({
      'service.name': 'dynamo-frontend',
      'deployment.environment': 'test',
      'dynamo.namespace': 'dynamo',
      'dynamo.component': 'frontend',
      'service.instance.id': 'frontend-0',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(root?.scope.name).toBe('dynamo-frontend');

    const call = receiver.calls[0];
    expect(call?.transport).toBe(protocol === 'grpc' ? 'grpc' : 'http');
    expect(call?.headers.authorization).toBe('Bearer t0ken');
    expect(selfMetrics.counter('dynotel_spans_exported_total', '').get()).toBe(2);
    expect(
      selfMetrics.counter('dynotel_span_export_failures_total', '').get({ protocol, code: 'UNAVAILABLE' }),
    ).toBe(0);
  });

  test('gzip compression is accepted by the receiver', async () => {
    const t = start(protocol, { compression: 'gzip' });
    t.withSpan('compressed', (span) => span.setAttribute('k', 'v'));
    await t.forceFlush(2000);
    const [span] = await receiver.waitForSpans(1);
    expect(span?.name).toBe('compressed');
    expect(span?.attributes).toEqual({ k: 'v' });
  });
});

test('a frontend → worker hop over real HTTP continues the trace and forwards the request ids', async () => {
  const t = start('grpc');
  // The "worker": extracts the incoming context and records a child span.
  server = http.createServer((req, res) => {
    const parent = extractTraceContext(req.headers);
    withSpan(
      'handle_payload',
      (span) => {
        span.setAttribute('x_request_id', String(req.headers['x-request-id']));
        res.end('ok');
      },
      { context: parent, kind: SpanKind.SERVER },
    );
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server?.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;

  const requestId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const clientSpan = await runWithRequestContext({ requestId, xRequestId: 'hop-1' }, () =>
    t.withSpan(
      'client_request',
      async (span) => {
        const response = await fetch(`http://127.0.0.1:${port}/generate`, {
          headers: injectTraceHeaders(new Headers()),
        });
        await response.text();
        return span.spanContext();
      },
      { kind: SpanKind.CLIENT },
    ),
  );
  await t.forceFlush(2000);
  const spans = await receiver.waitForSpans(2);
  const worker = spans.find((s) => s.name === 'handle_payload');
  expect(worker?.traceId).toBe(clientSpan.traceId);
  expect(worker?.parentSpanId).toBe(clientSpan.spanId);
  expect(worker?.kind).toBe(2); // SERVER
  expect(worker?.attributes.x_request_id).toBe('hop-1');
});

test('a header gRPC cannot carry is skipped with a warning; export still works', async () => {
  const t = start('grpc', { headers: { 'x-token-bin': 'not-binary', 'x-tenant': 'a' } });
  t.withSpan('with-headers', () => {});
  await t.forceFlush(2000);
  await receiver.waitForSpans(1);
  expect(receiver.calls[0]?.headers['x-tenant']).toBe('a');
  expect(receiver.calls[0]?.headers['x-token-bin']).toBeUndefined();
});
