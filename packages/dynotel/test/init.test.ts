import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDynotelError } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { currentTelemetry, init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';

const quiet = { DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' };
let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

describe('init()', () => {
  it('is idempotent: later calls return the first handle', () => {
    telemetry = init({ env: quiet, handleSignals: false, logDestination: new Lines() });
    expect(init({ env: { DYN_NAMESPACE: 'other' } })).toBe(telemetry);
    expect(currentTelemetry()).toBe(telemetry);
  });

  it('a later init() switches signal handling on and off, and warns once per call naming what it ignored', async () => {
    const lines = new Lines();
    const before = process.listenerCount('SIGTERM');
    telemetry = init({ env: quiet, handleSignals: false, logDestination: lines });
    expect(process.listenerCount('SIGTERM')).toBe(before);
    init({ handleSignals: true, exitOnShutdown: false });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
    init({ handleSignals: false, logDestination: 2, spanProcessors: [], strict: true });
    expect(process.listenerCount('SIGTERM')).toBe(before);
    await new Promise((resolve) => setImmediate(resolve));
    const warnings = lines.json().filter((line) => String(line.message).startsWith('init() options ignored'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'WARN',
      target: 'dynotel',
      ignored: 'logDestination,spanProcessors,strict',
      applied: 'handleSignals',
    });
    expect(String(warnings[0]!.message)).toContain('logDestination, spanProcessors, strict cannot apply');
  });

  it('onShutdown: bad arguments get coded errors; a removed hook does not run; app hooks run before the telemetry flush', async () => {
    telemetry = init({ env: quiet, handleSignals: false, logDestination: new Lines() });
    const handle = telemetry;
    expect(() => handle.onShutdown('', () => {})).toThrow(
      /ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT|argument 'name'/,
    );
    expect(() => handle.onShutdown('x', () => {}, null as never)).toThrow(/options/);
    expect(() => handle.onShutdown('x', () => {}, { order: Number.POSITIVE_INFINITY })).toThrow(/order/);
    expect(() => handle.onShutdown('x', () => {}, { timeoutMs: -1 })).toThrow(/timeoutMs/);
    const ran: string[] = [];
    const remove = handle.onShutdown('removed', () => ran.push('removed'));
    handle.onShutdown('second', () => ran.push('second'));
    handle.onShutdown('first', () => ran.push('first'), { order: -5 });
    expect(() => handle.onShutdown('first', () => {})).toThrow(/already registered/);
    remove();
    const result = await handle.shutdown('test');
    expect(ran).toEqual(['first', 'second']);
    const names = result.hooks.map((h) => h.name);
    expect(names.slice(0, 2)).toEqual(['first', 'second']);
    expect(names).toContain('spans');
    expect(names.indexOf('spans')).toBeGreaterThan(names.indexOf('second'));
    expect(names.at(-1)).toBe('logs');
    telemetry = undefined;
  });

  it('logs the effective configuration once, with secrets redacted', () => {
    const lines = new Lines();
    telemetry = init({
      env: { ...quiet, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer s3cret', DYN_NAMESPACE: 'ns' },
      handleSignals: false,
      logDestination: lines,
    });
    const started = lines.json().filter((line) => line.message === 'dynotel initialised');
    expect(started).toHaveLength(1);
    expect(JSON.stringify(started[0])).not.toContain('s3cret');
    expect(started[0]).toMatchObject({ target: 'dynotel', level: 'INFO', namespace: 'ns' });
  });

  it('carries the identity from options into metrics, spans and logs', async () => {
    const lines = new Lines();
    telemetry = init({
      env: quiet,
      namespace: 'prod',
      component: 'gateway',
      instanceId: 0x694d98147d54be25n,
      serviceName: 'my-gateway',
      handleSignals: false,
      logDestination: lines,
    });
    telemetry.serviceMetrics.counter({ name: 'widgets_total', help: 'Widgets.' }).inc();
    const { body } = await telemetry.metrics.scrape();
    expect(body).toContain(
      'dynamo_component_widgets_total{dynamo_component="gateway",dynamo_namespace="prod",worker_id="694d98147d54be25"} 1',
    );
    expect(telemetry.tracing.options).toMatchObject({
      serviceName: 'my-gateway',
      namespace: 'prod',
      component: 'gateway',
    });
    expect(lines.json()[0]).toMatchObject({ namespace: 'prod', component: 'gateway' });
  });

  it('warns about a bad variable in the service log, as JSONL, and keeps every other setting', () => {
    const lines = new Lines();
    const stderr: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof write;
    try {
      telemetry = init({
        env: { ...quiet, DYN_SYSTEM_PORT: 'eighty-one', DYN_NAMESPACE: 'kept' },
        handleSignals: false,
        logDestination: lines,
      });
    } finally {
      process.stderr.write = write;
    }
    expect(telemetry.degraded).toBe(false);
    expect(telemetry.config.system.port).toBe(-1);
    expect(telemetry.config.identity.namespace).toBe('kept');
    // Through the service's logger, before the 'dynotel initialised' line; nothing as plain text on stderr.
    const json = lines.json();
    const warning = json.findIndex((line) => line.target === 'dynotel.config');
    expect(json[warning]).toMatchObject({
      level: 'WARN',
      variable: 'DYN_SYSTEM_PORT',
      value: 'eighty-one',
      namespace: 'kept',
    });
    expect(warning).toBeLessThan(json.findIndex((line) => line.message === 'dynotel initialised'));
    expect(stderr.join('')).not.toContain('DYN_SYSTEM_PORT');
  });

  it('keeps a signal local when its OTEL_*_EXPORTER is none, and rejects exporters it cannot serve', () => {
    telemetry = init({
      env: {
        ...quiet,
        OTEL_EXPORT_ENABLED: '1',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'console',
      },
      handleSignals: false,
      logDestination: new Lines(),
    });
    expect(telemetry.tracing.exporting).toBe(false);
    // `console` is not supported: a warning, and the default (otlp) is used for that variable alone.
    expect(telemetry.config.tracing.logsExporter).toBe('otlp');
    expect(telemetry.config.tracing.tracesExporter).toBe('none');
  });

  it('throws one error listing every problem in strict mode', () => {
    let thrown: unknown;
    try {
      init({
        env: { DYN_SYSTEM_PORT: 'eighty', OTEL_TRACES_SAMPLER: 'sometimes' },
        strict: true,
        handleSignals: false,
      });
    } catch (error) {
      thrown = error;
    }
    expect(isDynotelError(thrown)).toBe(true);
    expect((thrown as Error & { code: string }).code).toBe('ERR_DYNOTEL_CONFIG_INVALID');
    expect((thrown as Error).message).toContain('DYN_SYSTEM_PORT');
    expect((thrown as Error).message).toContain('OTEL_TRACES_SAMPLER');
    expect(currentTelemetry()).toBeUndefined();
  });

  it('returns a working degraded handle instead of throwing when wiring fails', async () => {
    // An option naming no setting is a programming error: outside strict mode it must not take the host down.
    telemetry = init({
      env: quiet,
      config: { nonsense: true } as never,
      handleSignals: false,
      logDestination: new Lines(),
    });
    expect(telemetry.degraded).toBe(true);
    telemetry.serviceMetrics.counter({ name: 'still_works_total', help: 'x' }).inc();
    expect((await telemetry.metrics.scrape()).body).toContain('dynamo_component_still_works_total 1');
  });

  it('serves a Dynamo endpoint: work-handler metrics, readiness and canary idle reset', async () => {
    telemetry = init({
      env: { ...quiet, DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1' },
      handleSignals: false,
      logDestination: new Lines(),
    });
    const generate = telemetry.endpoint('generate');
    expect(telemetry.endpoint('generate')).toBe(generate);
    await generate.handle(64, async (request) => request.responseBytes(10));
    await expect(generate.handle(8, () => Promise.reject(new Error('engine down')))).rejects.toThrow(
      'engine down',
    );
    const server = await telemetry.systemServer;
    const health = await fetch(`${server!.url}/health`);
    expect(await health.json()).toMatchObject({ endpoints: { generate: 'ready' } });
    const metrics = await (await fetch(`${server!.url}/metrics`)).text();
    expect(metrics).toContain(
      'dynamo_component_requests_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo"} 2',
    );
    expect(metrics).toMatch(/dynamo_component_errors_total\{[^}]*error_type="generate"\} 1/);
  });

  it('takes namespace, component and endpoint from DYN_ENDPOINT (dyn://), with the operator worker suffix', async () => {
    telemetry = init({
      env: {
        ...quiet,
        DYN_ENDPOINT: 'dyn://prod.vllm_worker.generate',
        DYN_NAMESPACE_WORKER_SUFFIX: 'abc12345',
      },
      handleSignals: false,
      logDestination: new Lines(),
    });
    const served = telemetry.endpoint();
    expect(telemetry.endpoint('generate')).toBe(served);
    await served.handle(16, async (request) => request.responseBytes(4));
    const { body } = await telemetry.metrics.scrape();
    expect(body).toContain(
      'dynamo_component_requests_total{dynamo_component="vllm_worker",dynamo_endpoint="generate",dynamo_namespace="prod_abc12345"} 1',
    );
    // The label value is sanitised as Dynamo's Rust runtime does (- becomes _); the resource keeps the name.
    expect(telemetry.tracing.options).toMatchObject({ namespace: 'prod-abc12345', component: 'vllm_worker' });
  });

  // What `dynamoEndpoint()` falls back to without dynotel's Express middleware: track() on its own.
  it('tracks a plain node:http request of an endpoint: a success, a 5xx and a client that hung up', async () => {
    telemetry = init({
      env: { ...quiet, DYN_NAMESPACE: 'ns', DYN_COMPONENT: 'worker' },
      handleSignals: false,
      logDestination: new Lines(),
    });
    const endpoint = telemetry.endpoint('generate');
    let hangArrived: () => void = () => {};
    const hangSeen = new Promise<void>((resolve) => {
      hangArrived = resolve;
    });
    const server = createServer((req, res) => {
      endpoint.track(req, res);
      if (req.url === '/hang') {
        hangArrived(); // answered never: the client hangs up
        return;
      }
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.write('{"text":');
      res.end('"hi"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const send = (path: string, body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.setHeader('content-length', Buffer.byteLength(body));
        req.end(body);
      });
    try {
      expect(await send('/ok', 'abcd')).toBe(200);
      expect(await send('/fail', 'ef')).toBe(500);
      const hanging = request({ host: '127.0.0.1', port, path: '/hang', method: 'POST', agent: false });
      hanging.on('error', () => {});
      hanging.end('x');
      // Hang up once the server has the request (a fixed wait lost the race on a busy machine).
      await hangSeen;
      hanging.destroy();
      const value = async (name: string) => {
        const { body } = await telemetry!.metrics.scrape();
        return Number(
          new RegExp(`^${name}\\{[^}]*dynamo_endpoint="generate"[^}]*\\} (\\S+)$`, 'm').exec(body)?.[1],
        );
      };
      for (let i = 0; i < 100 && (await value('dynamo_component_cancellation_total')) !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await value('dynamo_component_cancellation_total')).toBe(1);
      expect(await value('dynamo_component_requests_total')).toBe(3);
      expect(await value('dynamo_component_inflight_requests')).toBe(0);
      expect(await value('dynamo_component_request_bytes_total')).toBe(4 + 2 + 1);
      expect(await value('dynamo_component_response_bytes_total')).toBe(
        2 * Buffer.byteLength('{"text":"hi"}'),
      );
      const { body } = await telemetry.metrics.scrape();
      expect(body).toMatch(/dynamo_component_errors_total\{[^}]*error_type="generate"[^}]*\} 1/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
