/**
 * The OTLP endpoint table of docs/configuration.md, end to end: environment → core's resolved config
 * (the only place the URL is computed) → the span exporter of @dynotel/tracing and the log exporter of
 * @dynotel/logging, handed that URL unchanged (as init() wires them) → where the requests really land.
 * grpc and http/protobuf, generic and signal-specific variables, against the real OTLP receiver; a small
 * recording HTTP server stands in where the spec sends a request to a path the receiver does not serve
 * (a signal-specific URL without a path posts to `/`).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readConfig } from '@dynotel/core';
import { createOtlpLoggerProvider } from '@dynotel/logging';
import { createTracing } from '@dynotel/tracing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

interface Recorder {
  readonly url: string;
  readonly posts: string[];
  close(): Promise<void>;
}

/** Accepts any POST, remembers its path, answers 200 with an empty (valid) OTLP response. */
async function startRecorder(): Promise<Recorder> {
  const posts: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Sends one span and one log record the way init() wires the exporters, from this environment. */
async function exportOneOfEach(env: Record<string, string>, tag: string) {
  const { config } = readConfig(env);
  const tracing = createTracing({
    exportEnabled: true,
    endpoint: config.tracing.traces.endpoint,
    protocol: config.tracing.traces.protocol,
    registerGlobal: false,
    retry: { maxAttempts: 1 },
    batch: { scheduleDelayMs: 10 },
  });
  const logs = createOtlpLoggerProvider({
    endpoint: config.tracing.logs.endpoint,
    protocol: config.tracing.logs.protocol,
    scheduledDelayMs: 10,
    shutdownTimeoutMs: 2000,
  });
  tracing.tracer.startSpan(`span ${tag}`).end();
  logs.getLogger('table').emit({ body: `log ${tag}` });
  await tracing.forceFlush(2000);
  await logs.forceFlush();
  await tracing.shutdown(2000);
  await logs.shutdown();
  return config.tracing;
}

const spanNames = (r: OtlpReceiver) => r.spans().map((s) => s.name);
const logBodies = (r: OtlpReceiver) => r.logRecords().map((l) => l.body);

describe('one OTLP endpoint rule for both signals (OTel spec), through core and both exporters', () => {
  let receiver: OtlpReceiver;
  let other: OtlpReceiver;
  let recorder: Recorder;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    other = await startOtlpReceiver();
    recorder = await startRecorder();
  });
  afterAll(async () => {
    await receiver.close();
    await other.close();
    await recorder.close();
  });

  it('http/protobuf, generic endpoint: /v1/traces and /v1/logs appended (with or without a trailing /)', async () => {
    for (const base of [receiver.httpEndpoint, `${receiver.httpEndpoint}/`]) {
      const tag = `generic-http ${base}`;
      const resolved = await exportOneOfEach(
        { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: base },
        tag,
      );
      expect(resolved.traces.endpoint).toBe(`${receiver.httpEndpoint}/v1/traces`);
      expect(resolved.logs.endpoint).toBe(`${receiver.httpEndpoint}/v1/logs`);
      expect(spanNames(receiver)).toContain(`span ${tag}`);
      expect(logBodies(receiver)).toContain(`log ${tag}`);
    }
  });

  it('http/protobuf, signal-specific endpoints are used as is, for traces and logs alike', async () => {
    recorder.posts.length = 0;
    const tag = 'specific-http-no-path';
    await exportOneOfEach(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: recorder.url,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: recorder.url,
      },
      tag,
    );
    // Both signals post to `/`: nothing appended to either (logs used to get /v1/logs, traces not).
    expect(recorder.posts).toEqual(['/', '/']);

    const withPath = 'specific-http-full-url';
    await exportOneOfEach(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.httpEndpoint}/v1/traces`,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.httpEndpoint}/v1/logs`,
      },
      withPath,
    );
    expect(spanNames(receiver)).toContain(`span ${withPath}`);
    expect(logBodies(receiver)).toContain(`log ${withPath}`);
  });

  it('http/protobuf, a signal-specific endpoint beats the generic one for its signal only', async () => {
    recorder.posts.length = 0;
    const tag = 'specific-beats-generic-http';
    await exportOneOfEach(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${recorder.url}/custom/logs`,
      },
      tag,
    );
    expect(spanNames(receiver)).toContain(`span ${tag}`);
    expect(logBodies(receiver)).not.toContain(`log ${tag}`);
    expect(recorder.posts).toEqual(['/custom/logs']);
  });

  it('grpc, generic endpoint: used as is for both signals', async () => {
    const tag = 'generic-grpc';
    const resolved = await exportOneOfEach({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint }, tag);
    expect(resolved.traces).toMatchObject({ protocol: 'grpc', endpoint: receiver.grpcEndpoint });
    expect(resolved.logs).toMatchObject({ protocol: 'grpc', endpoint: receiver.grpcEndpoint });
    expect(spanNames(receiver)).toContain(`span ${tag}`);
    expect(logBodies(receiver)).toContain(`log ${tag}`);
  });

  it('grpc, signal-specific endpoints win; logs follow the traces endpoint only without a generic one', async () => {
    const tracesOnly = 'grpc-traces-only';
    await exportOneOfEach({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: other.grpcEndpoint }, tracesOnly);
    expect(spanNames(other)).toContain(`span ${tracesOnly}`);
    expect(logBodies(other)).toContain(`log ${tracesOnly}`);

    const split = 'grpc-split';
    await exportOneOfEach(
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: other.grpcEndpoint,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      },
      split,
    );
    expect(spanNames(other)).toContain(`span ${split}`);
    expect(logBodies(receiver)).toContain(`log ${split}`);
    expect(logBodies(other)).not.toContain(`log ${split}`);

    const logsSpecific = 'grpc-logs-specific';
    await exportOneOfEach(
      {
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: other.grpcEndpoint,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      },
      logsSpecific,
    );
    expect(spanNames(receiver)).toContain(`span ${logsSpecific}`);
    expect(logBodies(other)).toContain(`log ${logsSpecific}`);
  });
});
