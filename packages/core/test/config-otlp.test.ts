import { describe, expect, it } from 'vitest';
import { otlpSignalEndpoint, readConfig } from '../src/index.ts';

function otlp(env: Record<string, string>) {
  const { config, problems } = readConfig(env);
  return { traces: config.tracing.traces, logs: config.tracing.logs, problems };
}

describe('OTLP endpoint resolution', () => {
  it('defaults per protocol: grpc 4317 as is, http/protobuf 4318 with the signal path', () => {
    expect(otlp({}).traces.endpoint).toBe('http://localhost:4317');
    expect(otlp({}).logs.endpoint).toBe('http://localhost:4317');
    const http = otlp({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    expect(http.traces).toMatchObject({
      protocol: 'http/protobuf',
      endpoint: 'http://localhost:4318/v1/traces',
    });
    expect(http.logs).toMatchObject({ protocol: 'http/protobuf', endpoint: 'http://localhost:4318/v1/logs' });
  });

  it('appends /v1/<signal> to the generic endpoint for http/protobuf only, once, with or without a trailing slash', () => {
    for (const base of ['http://collector:4318', 'http://collector:4318/']) {
      const http = otlp({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: base });
      expect(http.traces.endpoint).toBe('http://collector:4318/v1/traces');
      expect(http.logs.endpoint).toBe('http://collector:4318/v1/logs');
    }
    const grpc = otlp({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' });
    expect(grpc.traces.endpoint).toBe('http://collector:4317');
    expect(grpc.logs.endpoint).toBe('http://collector:4317');
  });

  it('signal-specific endpoints win and are used as given', () => {
    const { traces, logs } = otlp({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo:4318/custom/path',
    });
    expect(traces.endpoint).toBe('https://tempo:4318/custom/path');
    expect(logs.endpoint).toBe('http://generic:4318/v1/logs');
  });

  it('logs follow the traces endpoint when only that one is set and both speak grpc (Dynamo behaviour)', () => {
    expect(otlp({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4317' }).logs.endpoint).toBe(
      'http://tempo:4317',
    );
    const mixed = otlp({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4317',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
    });
    expect(mixed.logs).toMatchObject({
      protocol: 'http/protobuf',
      endpoint: 'http://localhost:4318/v1/logs',
    });
    const generic = otlp({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4317',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    });
    expect(generic.logs.endpoint).toBe('http://collector:4317');
  });

  it('an invalid signal endpoint warns once and falls back to the generic one', () => {
    const { traces, problems } = otlp({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tempo:4317',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    });
    expect(traces.endpoint).toBe('http://collector:4317');
    expect(problems.map((p) => p.variable)).toEqual(['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  });

  it('an invalid generic value feeding both signals is reported once', () => {
    const { problems } = otlp({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x', OTEL_EXPORTER_OTLP_TIMEOUT: '-5' });
    expect(problems.map((p) => p.variable)).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_TIMEOUT',
    ]);
  });
});

describe('OTLP protocol, headers, timeout, compression', () => {
  it('rejects http/json with a clear message and keeps grpc', () => {
    const { traces, problems } = otlp({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    expect(traces.protocol).toBe('grpc');
    expect(problems[0]?.message).toContain(
      'http/json is not supported by dynotel; use grpc or http/protobuf',
    );
    expect(problems[0]?.defaultUsed).toBe('the OTEL_EXPORTER_OTLP_PROTOCOL value');
  });

  it('per-signal protocol wins over the generic one', () => {
    const { traces, logs } = otlp({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc',
    });
    expect([traces.protocol, logs.protocol]).toEqual(['http/protobuf', 'grpc']);
    expect(logs.endpoint).toBe('http://localhost:4317');
  });

  it('signal headers replace (not merge with) the generic headers', () => {
    const { traces, logs } = otlp({
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a,authorization=generic',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'authorization=logs',
    });
    expect(traces.headers).toEqual({ 'x-tenant': 'a', authorization: 'generic' });
    expect(logs.headers).toEqual({ authorization: 'logs' });
  });

  it('timeout (ms) and compression layer the same way', () => {
    const { traces, logs, problems } = otlp({
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP',
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'brotli',
    });
    expect([traces.timeoutMs, logs.timeoutMs]).toEqual([700, 2500]);
    expect([traces.compression, logs.compression]).toEqual(['gzip', 'gzip']);
    expect(problems.map((p) => p.variable)).toEqual(['OTEL_EXPORTER_OTLP_LOGS_COMPRESSION']);
  });
});

describe('sampler', () => {
  it('accepts the spec values and the ratio argument', () => {
    const { config } = readConfig({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(config.tracing).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('rejects unsupported samplers and out-of-range ratios, falling back separately', () => {
    const { config, problems } = readConfig({ OTEL_TRACES_SAMPLER: 'xray', OTEL_TRACES_SAMPLER_ARG: '1.5' });
    expect(config.tracing).toMatchObject({ sampler: 'parentbased_always_on', samplerRatio: 1 });
    expect(problems.map((p) => p.variable)).toEqual(['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']);
    expect(problems[0]?.message).toContain('xray is not supported by dynotel');
  });
});

describe('the one OTLP endpoint rule (otlpSignalEndpoint), the docs table', () => {
  it.each([
    ['grpc', {}, 'http://localhost:4317', 'http://localhost:4317'],
    ['http/protobuf', {}, 'http://localhost:4318/v1/traces', 'http://localhost:4318/v1/logs'],
    ['grpc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, 'http://c:4317', 'http://c:4317'],
    [
      'http/protobuf',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
      'http://c:4318/v1/traces',
      'http://c:4318/v1/logs',
    ],
    [
      'http/protobuf',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/otlp' },
      'http://c:4318/otlp/v1/traces',
      'http://c:4318/otlp/v1/logs',
    ],
    [
      'http/protobuf',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318' },
      'http://c:4318',
      'http://localhost:4318/v1/logs',
    ],
    [
      'http/protobuf',
      { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://c:4318' },
      'http://localhost:4318/v1/traces',
      'http://c:4318',
    ],
    [
      'http/protobuf',
      { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://c:4318/l', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:4318' },
      'http://g:4318/v1/traces',
      'http://c:4318/l',
    ],
    ['grpc', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4317' }, 'http://t:4317', 'http://t:4317'],
    [
      'grpc',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4317', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:4317' },
      'http://t:4317',
      'http://g:4317',
    ],
  ] as const)('%s with %j: traces to %s, logs to %s', (protocol, env, traces, logs) => {
    const { config } = readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, ...env });
    expect(config.tracing.traces.endpoint).toBe(traces);
    expect(config.tracing.logs.endpoint).toBe(logs);
  });

  it('is the function core exports, for packages that need a default', () => {
    expect(otlpSignalEndpoint({ signal: 'logs', protocol: 'http/protobuf', generic: 'http://x/' })).toBe(
      'http://x/v1/logs',
    );
    expect(otlpSignalEndpoint({ signal: 'traces', protocol: 'http/protobuf', specific: 'http://x' })).toBe(
      'http://x',
    );
  });
});
