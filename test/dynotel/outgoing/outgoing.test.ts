/**
 * Zero-code outgoing HTTP, end to end: an Express service under the dynotel middleware whose handler
 * calls a recording server with plain `fetch`, undici's `request` and `http.get` (no dynotel code in the
 * handler). Checked: the headers the recorder received, the spans the real OTLP receiver decoded (sent
 * over http/protobuf, i.e. node:http, so that the exporter's own traffic would show up if it were
 * instrumented), and the client duration histogram.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { init, type Telemetry } from 'dynotel';
import { dynotel as expressMiddleware } from 'dynotel/express';
import { resetTelemetryForTests } from 'dynotel/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../support/otlp-receiver.ts';
import { LogCapture } from '../log-capture.ts';
import { makeCalls, PROPAGATED_PATHS } from './calls.ts';
import { type HeaderRecorder, startHeaderRecorder } from './recorder.ts';

const UPSTREAM_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const UPSTREAM_SPAN = '00f067aa0ba902b7';
const TRACESTATE = 'foo@bar=1,9lives=2,congo=t61rcWkgMzE';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

interface Service {
  readonly telemetry: Telemetry;
  readonly url: string;
  readonly recorder: HeaderRecorder;
  close(): Promise<void>;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const recorder = await startHeaderRecorder();
  const telemetry = init({
    env: { DYN_SHUTDOWN_DRAIN_DELAY: '0', DYN_LOGGING_JSONL: '1', ...env },
    handleSignals: false,
    logDestination: new LogCapture(),
  });
  const app = express();
  app.use(expressMiddleware(telemetry));
  app.get('/calls', async (_req, res) => {
    await makeCalls(recorder.url);
    res.json({ done: true });
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    telemetry,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    recorder,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await recorder.close();
      await telemetry.shutdown('test finished');
      resetTelemetryForTests();
    },
  };
}

/** The parent id of a version-00 traceparent of `traceId` with `flags`, or a failed expectation. */
function parentIdOf(traceparent: unknown, traceId: string, flags: string): string {
  expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-${flags}$`));
  return (traceparent as string).slice(36, 52);
}

describe('outgoing HTTP calls with the SDK on', () => {
  let receiver: OtlpReceiver | undefined;
  let service: Service | undefined;

  afterEach(async () => {
    await service?.close();
    await receiver?.close();
    service = undefined;
    receiver = undefined;
  });

  async function start(): Promise<Service> {
    receiver = await startOtlpReceiver();
    service = await startService({
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_SERVICE_NAME: 'outgoing-e2e',
    });
    return service;
  }

  it('gives every call its own CLIENT span, child of the server span, and propagates it with the request id', async () => {
    const { url, recorder, telemetry } = await start();
    const response = await fetch(`${url}/calls`, {
      headers: {
        traceparent: `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-03`,
        tracestate: TRACESTATE,
        'x-request-id': 'outgoing-req-1',
      },
    });
    expect(response.status).toBe(200);

    // What the next hop received: the upstream trace with a parent id of its own per call, the random
    // flag kept (03), the Level 2 tracestate keys unchanged, and the request id.
    const parentIds = PROPAGATED_PATHS.map((path) => {
      const [headers, ...more] = recorder.received(path);
      expect(more).toEqual([]);
      expect(headers?.tracestate).toBe(TRACESTATE);
      expect(headers?.['x-request-id']).toBe('outgoing-req-1');
      return parentIdOf(headers?.traceparent, UPSTREAM_TRACE, '03');
    });
    expect(new Set(parentIds).size).toBe(PROPAGATED_PATHS.length);
    expect(parentIds).not.toContain(UPSTREAM_SPAN);
    // Headers the application set itself are left alone.
    const [own] = recorder.received('/own');
    expect(own?.['x-request-id']).toBe('set-by-the-app');
    expect(own?.traceparent).toBe('00-11111111111111111111111111111111-2222222222222222-01');

    await telemetry.tracing.forceFlush();
    await receiver!.waitForSpans(1 + PROPAGATED_PATHS.length + 1);
    // The log records went out over http/protobuf too (the access line at least); a second flush then
    // exports whatever the exporters' own requests would have produced.
    await receiver!.waitForLogRecords(1);
    await telemetry.tracing.forceFlush();
    const spans = receiver!.spans();
    const servers = spans.filter((span) => span.kind === SPAN_KIND_SERVER);
    const server = servers.find((span) => span.attributes['url.path'] === '/calls') as ReceivedSpan;
    expect(server).toMatchObject({ traceId: UPSTREAM_TRACE, parentSpanId: UPSTREAM_SPAN });
    // None for the exporters' own POSTs to /v1/traces and /v1/logs (the test's own fetch of /calls has
    // one: it is an outgoing call too, the root of a trace of its own).
    const allClients = spans.filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(allClients.filter((span) => String(span.attributes['url.full']).includes('/v1/'))).toEqual([]);
    expect(
      allClients.filter((span) => span.traceId !== UPSTREAM_TRACE).map((span) => span.attributes['url.full']),
    ).toEqual([`${url}/calls`]);
    // One CLIENT span per call of the handler.
    const clients = allClients.filter((span) => span.traceId === UPSTREAM_TRACE);
    expect(clients).toHaveLength(PROPAGATED_PATHS.length + 1);
    const port = Number(new URL(recorder.url).port);
    for (const [index, path] of PROPAGATED_PATHS.entries()) {
      const span = clients.find((client) => client.spanId === parentIds[index]);
      expect(span, path).toMatchObject({ name: 'GET', traceId: UPSTREAM_TRACE, parentSpanId: server.spanId });
      expect(span?.traceState).toBe(TRACESTATE);
      expect(span?.attributes).toMatchObject({
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'server.port': port,
        'http.response.status_code': path === '/status/503' ? 503 : 200,
      });
    }
    // The recorder runs in this process, so the zero-code instrumentation traces it too: each call's
    // SERVER span on the next hop is the child of that call's CLIENT span.
    for (const parentId of parentIds) {
      expect(servers.filter((span) => span.parentSpanId === parentId)).toHaveLength(1);
    }
    const byPath = (path: string) =>
      clients.find((span) => String(span.attributes['url.full']).startsWith(`${recorder.url}${path}`));
    expect(byPath('/fetch')?.attributes['url.full']).toBe(
      `${recorder.url}/fetch?token=REDACTED&page=REDACTED`,
    );
    expect(byPath('/status/503')?.attributes['error.type']).toBe('503');
    expect(byPath('/status/503')?.status.code).toBe(STATUS_ERROR);
    expect(byPath('/http')?.attributes['error.type']).toBeUndefined();

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const count = (labels: Record<string, string>) =>
      metrics
        .split('\n')
        .filter((line) => line.startsWith('http_client_request_duration_seconds_count{'))
        .filter((line) =>
          Object.entries(labels).every(([name, value]) => line.includes(`${name}="${value}"`)),
        )
        .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
    const common = { http_request_method: 'GET', server_address: '127.0.0.1', server_port: String(port) };
    expect(count({ ...common, http_response_status_code: '200', error_type: '' })).toEqual([4]);
    expect(count({ ...common, http_response_status_code: '503', error_type: '503' })).toEqual([1]);
  });

  it('a new trace sets the random flag; an incoming traceparent without it goes out without it', async () => {
    const { url, recorder } = await start();
    await (await fetch(`${url}/calls`)).text();
    const fresh = recorder.received('/fetch')[0]?.traceparent as string;
    expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);

    await (
      await fetch(`${url}/calls`, { headers: { traceparent: `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-01` } })
    ).text();
    for (const path of PROPAGATED_PATHS)
      parentIdOf(recorder.received(path)[1]?.traceparent, UPSTREAM_TRACE, '01');
  });

  it('a call that fails is recorded with its error type and fails as it would without dynotel', async () => {
    const { telemetry } = await start();
    const closed = await startHeaderRecorder();
    const deadUrl = closed.url;
    await closed.close();
    await expect(fetch(`${deadUrl}/gone`)).rejects.toThrow('fetch failed');
    await telemetry.tracing.forceFlush();
    const [span] = await receiver!.waitForSpans(1);
    expect(span).toMatchObject({ kind: SPAN_KIND_CLIENT, name: 'GET', status: { code: STATUS_ERROR } });
    expect(span?.attributes['error.type']).toBe('ECONNREFUSED');
    expect(span?.attributes['http.response.status_code']).toBeUndefined();
  });
});

describe('outgoing HTTP calls with the SDK disabled', () => {
  let service: Service | undefined;

  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('passes the incoming traceparent and tracestate through unchanged, with the request id', async () => {
    service = await startService({ OTEL_SDK_DISABLED: 'true' });
    const traceparent = `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-02`;
    const response = await fetch(`${service.url}/calls`, {
      headers: { traceparent, tracestate: TRACESTATE, 'x-request-id': 'pass-through-1' },
    });
    expect(response.status).toBe(200);
    for (const path of PROPAGATED_PATHS) {
      const [headers] = service.recorder.received(path);
      expect(headers, path).toMatchObject({
        traceparent,
        tracestate: TRACESTATE,
        'x-request-id': 'pass-through-1',
      });
    }
    // Without an incoming trace nothing is invented, but the request id still travels.
    await (await fetch(`${service.url}/calls`, { headers: { 'x-request-id': 'pass-through-2' } })).text();
    const [, second] = service.recorder.received('/fetch');
    expect(second?.traceparent).toBeUndefined();
    expect(second?.['x-request-id']).toBe('pass-through-2');
  });
});
