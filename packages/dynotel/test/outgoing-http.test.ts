import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, get, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runWithRequestContext } from '@dynotel/core';
import { createSpanCollector } from '@dynotel/tracing/testing';
import { context, createContextKey, SpanKind, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactedUrl } from '../src/http/client/redact-url.ts';
import { init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('redactedUrl', () => {
  it.each([
    ['http://h:1', '/p', 'http://h:1/p'],
    ['http://h:1', '/p?token=s3cret&flag&b=', 'http://h:1/p?token=REDACTED&flag&b=REDACTED'],
    ['https://user:pw@h', '/', 'https://REDACTED:REDACTED@h/'],
  ])('%s%s → %s', (origin, path, expected) => {
    expect(redactedUrl(origin, path)).toBe(expected);
  });
});

describe('outgoing node:http and fetch, in process', () => {
  let telemetry: Telemetry;
  let collector: ReturnType<typeof createSpanCollector>;
  let server: Server;
  let base: string;
  const received: IncomingHttpHeaders[] = [];

  beforeEach(async () => {
    received.length = 0;
    // The recording server listens before init(): a server that listens under dynotel is the service's,
    // and the restart below (a telemetry.shutdown()) would close it.
    server = createServer((req, res) => {
      received.push(req.headers);
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    collector = createSpanCollector();
    telemetry = init({
      env: { DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' },
      handleSignals: false,
      logDestination: new Lines(),
      spanProcessors: [collector],
    });
  });

  afterEach(async () => {
    server.closeAllConnections();
    server.close();
    await telemetry.shutdown('test');
    resetTelemetryForTests();
  });

  const httpGet = (url: string, headers?: Record<string, string> | string[]) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        url,
        headers === undefined ? {} : { headers: headers as Record<string, string> },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end();
    });

  it('sibling calls inside one span get their own CLIENT spans and distinct parent ids', async () => {
    await telemetry.tracing.withSpan('handler', async (handler) => {
      await runWithRequestContext({ requestId: 'r', xRequestId: 'x-1' }, async () => {
        await (await fetch(`${base}/a`)).text();
        await httpGet(`${base}/b`);
        await new Promise<void>((resolve) => get(`${base}/c`, (res) => res.resume().on('end', resolve)));
      });
      const parents = received.map((headers) => {
        expect(headers['x-request-id']).toBe('x-1');
        expect(headers.traceparent).toMatch(
          new RegExp(`^00-${handler.spanContext().traceId}-[0-9a-f]{16}-03$`),
        );
        return (headers.traceparent as string).slice(36, 52);
      });
      expect(new Set(parents).size).toBe(3);
      const clients = collector.spans().filter((span) => span.kind === SpanKind.CLIENT);
      expect(clients.map((span) => span.spanContext().spanId).sort()).toEqual([...parents].sort());
      for (const span of clients) {
        expect(span.name).toBe('GET');
        expect(span.parentSpanContext?.spanId).toBe(handler.spanContext().spanId);
      }
    });
  });

  it('headers given as an array are already written: the call is traced, not propagated, and counted', async () => {
    await httpGet(`${base}/array`, ['accept', '*/*', 'host', new URL(base).host]);
    expect(received[0]?.traceparent).toBeUndefined();
    expect(collector.spans().filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(1);
    const { body } = await telemetry.metrics.scrape();
    expect(body).toContain('dynotel_http_client_headers_not_injected_total 1');
  });

  it('calls made with tracing suppressed (the exporters) are left alone', async () => {
    // @opentelemetry/core's suppressTracing key (createContextKey is Symbol.for).
    const suppressed = context
      .active()
      .setValue(createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING'), true);
    await context.with(
      trace.setSpanContext(suppressed, { traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: 1 }),
      async () => {
        await (await fetch(`${base}/export`)).text();
        await httpGet(`${base}/export`);
      },
    );
    expect(received.map((headers) => headers.traceparent)).toEqual([undefined, undefined]);
    // The recording server is in this process: its own SERVER spans (zero-code incoming) are expected.
    expect(collector.spans().filter((span) => span.kind !== SpanKind.SERVER)).toEqual([]);
  });

  it('DYN_INSTRUMENT_FETCH=0 and DYN_INSTRUMENT_HTTP_CLIENT=0 turn each part off', async () => {
    await telemetry.shutdown('restart');
    resetTelemetryForTests();
    telemetry = init({
      env: {
        DYN_LOGGING_JSONL: '1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        DYN_INSTRUMENT_FETCH: '0',
        DYN_INSTRUMENT_HTTP_CLIENT: 'false',
      },
      handleSignals: false,
      logDestination: new Lines(),
      spanProcessors: [collector],
    });
    await telemetry.tracing.withSpan('handler', async () => {
      await (await fetch(`${base}/a`)).text();
      await httpGet(`${base}/b`);
    });
    expect(received.map((headers) => headers.traceparent)).toEqual([undefined, undefined]);
    expect(collector.spans().filter((span) => span.kind === SpanKind.CLIENT)).toEqual([]);
  });
});

describe("dynotel's own OTLP exports", () => {
  it('over http/protobuf (node:http) get no span and no trace headers, spans and logs alike', async () => {
    const received: string[] = [];
    const collectorServer = createServer((req, res) => {
      received.push(`${req.url} ${req.headers.traceparent ?? 'no-traceparent'}`);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/x-protobuf');
        res.end();
      });
    });
    collectorServer.listen(0, '127.0.0.1');
    await once(collectorServer, 'listening');
    const spans = createSpanCollector();
    const telemetry = init({
      env: {
        DYN_LOGGING_JSONL: '1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        OTEL_EXPORT_ENABLED: '1',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collectorServer.address() as AddressInfo).port}`,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
      handleSignals: false,
      logDestination: new Lines(),
      spanProcessors: [spans],
    });
    try {
      // A call's span ends with its response headers, before the exporter hears back and counts the
      // export: once both counters moved, a span of either export would be in the collector.
      const counters = async () => {
        const { body } = await telemetry.metrics.scrape();
        const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(body)?.[1] ?? 0);
        return [value('dynotel_spans_exported_total'), value('dynotel_log_records_exported_total')];
      };
      // Self-metrics are process-wide: compare with the counts before this test's exports.
      const [spansBefore, logsBefore] = await counters();
      // Inside a span and a request, as an export started by a timer set during a request would be.
      await telemetry.tracing.withSpan('handler', () =>
        runWithRequestContext({ requestId: 'r', xRequestId: 'x' }, () => telemetry.logger.info('exported')),
      );
      const exported = async () => {
        const [spansNow, logsNow] = await counters();
        return (spansNow as number) > (spansBefore as number) && (logsNow as number) > (logsBefore as number);
      };
      for (let i = 0; i < 200 && !(await exported()); i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      expect(await exported()).toBe(true);
      expect(received.some((line) => line.startsWith('/v1/traces'))).toBe(true);
      expect(received.some((line) => line.startsWith('/v1/logs'))).toBe(true);
      expect(received.filter((line) => !line.endsWith('no-traceparent'))).toEqual([]);
      expect(spans.spans().filter((span) => span.kind === SpanKind.CLIENT)).toEqual([]);
    } finally {
      await telemetry.shutdown('test');
      resetTelemetryForTests();
      collectorServer.closeAllConnections();
      collectorServer.close();
    }
  });
});

describe('outgoing calls of an application started with dynotel/register', () => {
  it.each([
    ['--import', 'outgoing-app.mjs'],
    ['--require', 'outgoing-app.cjs'],
  ])('%s: fetch and http.get inside a request carry the trace and the request id', async (flag, file) => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@dynotel/source', flag, 'dynotel/register', fixture(file)],
      {
        env: {
          PATH: process.env.PATH,
          DYN_LOGGING_JSONL: '1',
          DYN_SHUTDOWN_DRAIN_DELAY: '0',
          FIXTURE_TRACEPARENT: `00-${TRACE}-00f067aa0ba902b7-01`,
        },
        timeout: 20_000,
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      },
    );
    const line = stdout.split('\n').find((text) => text.startsWith('{"received"'));
    const { received } = JSON.parse(line as string) as {
      received: { path: string; headers: IncomingHttpHeaders }[];
    };
    expect(received.map((call) => call.path)).toEqual(['/fetch', '/http']);
    const parents = received.map(({ headers }) => {
      expect(headers['x-request-id']).toBe('fixture-request');
      expect(headers.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
      return (headers.traceparent as string).slice(36, 52);
    });
    expect(new Set([...parents, '00f067aa0ba902b7']).size).toBe(3);
  });
});
