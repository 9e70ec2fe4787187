import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';

// The export stacks (grpc-js, otlp-transformer, the logs and metrics SDKs) cost most of the package's
// load time; they are loaded only when the resolved configuration exports with them, and the gRPC span
// transport only at the first export. The fixture records, through Node's module hooks, which of them
// a real process loaded after init() and after one span was flushed.

const run = promisify(execFile);
const app = fileURLToPath(new URL('./fixtures/lazy-load-app.mjs', import.meta.url));

interface Phase {
  readonly phase: 'init' | 'flushed' | 'shut down';
  readonly loaded: readonly string[];
  readonly loadFailures?: number;
  readonly exported?: number;
  readonly droppedNonRetryable?: number;
  readonly logRecordsExported?: number;
  readonly logRecordsExportFailed?: number;
}

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function runApp(env: Record<string, string>): Promise<{ phases: Phase[]; output: string }> {
  const { stdout, stderr } = await run(process.execPath, ['--conditions=@dynotel/source', app], {
    env: { PATH: process.env.PATH, DYN_SHUTDOWN_DRAIN_DELAY: '0', ...env },
    timeout: 20_000,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const phases = stdout
    .split('\n')
    .filter((line) => line.startsWith('{"phase"'))
    .map((line) => JSON.parse(line) as Phase);
  expect(phases.map((p) => p.phase)).toEqual(['init', 'flushed', 'shut down']);
  return { phases, output: stdout + stderr };
}

const loadedAt = (phases: Phase[], phase: Phase['phase']) => phases.find((p) => p.phase === phase)?.loaded;

describe('the export stacks load only when the configuration exports with them', () => {
  it('export off (the default): none of them is ever loaded', async () => {
    const { phases } = await runApp({});
    for (const phase of phases) expect(phase.loaded).toEqual([]);
  });

  it('spans over gRPC, no log export: grpc-js loads at the first export, and the span arrives', async () => {
    receiver = await startOtlpReceiver();
    const { phases } = await runApp({
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
      OTEL_LOGS_EXPORTER: 'none',
    });
    expect(loadedAt(phases, 'init')).toEqual([]);
    expect(loadedAt(phases, 'flushed')).toEqual(['@grpc/grpc-js']);
    expect(phases[1]?.exported).toBe(1);
    expect(receiver.spans().map((span) => span.name)).toEqual(['lazy-span']);
  });

  it('spans over http/protobuf: no gRPC and no OTel exporter package at all', async () => {
    receiver = await startOtlpReceiver();
    const { phases } = await runApp({
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.httpEndpoint}/v1/traces`,
      OTEL_LOGS_EXPORTER: 'none',
    });
    for (const phase of phases) expect(phase.loaded).toEqual([]);
    expect(receiver.spans().map((span) => span.name)).toEqual(['lazy-span']);
  });

  it('logs over OTLP: sdk-logs loads at init(), the exporter at the first export, and the line arrives', async () => {
    receiver = await startOtlpReceiver();
    const { phases } = await runApp({
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
    });
    // The exporter (grpc-js, otlp-transformer) comes at the first export, on the batch timer or at shutdown.
    expect(loadedAt(phases, 'init')).toEqual(['@opentelemetry/sdk-logs']);
    expect(loadedAt(phases, 'shut down')).toEqual(
      expect.arrayContaining(['@grpc/grpc-js', '@opentelemetry/otlp-transformer', '@opentelemetry/sdk-logs']),
    );
    expect(phases[2]?.logRecordsExported).toBeGreaterThanOrEqual(1);
    const records = await receiver.waitForLogRecords(1, 5000);
    expect(records.map((record) => record.body)).toContain('lazy-line');
    expect(receiver.spans().map((span) => span.name)).toEqual(['lazy-span']);
  });

  it('logs over http/protobuf: the exporter is made at the first export, and the line arrives', async () => {
    receiver = await startOtlpReceiver();
    const { phases } = await runApp({
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.httpEndpoint,
    });
    expect(loadedAt(phases, 'init')).toEqual(['@opentelemetry/sdk-logs']);
    expect(loadedAt(phases, 'shut down')).toEqual(
      expect.arrayContaining(['@opentelemetry/exporter-logs-otlp-proto', '@opentelemetry/sdk-logs']),
    );
    expect(loadedAt(phases, 'shut down')).not.toContain('@grpc/grpc-js');
    const records = await receiver.waitForLogRecords(1, 5000);
    expect(records.map((record) => record.body)).toContain('lazy-line');
  });
});

describe('an export stack that cannot be loaded never stops the service', () => {
  it('grpc-js missing: the batch is dropped and counted (code LOAD_FAILED), the error logged once', async () => {
    receiver = await startOtlpReceiver();
    const { phases, output } = await runApp({
      LAZY_FAIL: '@grpc/grpc-js',
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
      OTEL_LOGS_EXPORTER: 'none',
    });
    expect(phases[1]).toMatchObject({ loadFailures: 1, droppedNonRetryable: 1, exported: 0 });
    expect(output.match(/cannot load @grpc\/grpc-js; spans are not exported over gRPC/g)).toHaveLength(1);
    expect(receiver.calls).toHaveLength(0);
  });

  it('sdk-logs missing: init() still wires everything else, spans are exported, the error is logged', async () => {
    receiver = await startOtlpReceiver();
    const { phases, output } = await runApp({
      LAZY_FAIL: '@opentelemetry/sdk-logs',
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
    });
    expect(output).toContain('cannot load the OTLP log exporter; logs are not exported over OTLP');
    expect(phases[1]?.exported).toBe(1);
    expect(receiver.spans().map((span) => span.name)).toEqual(['lazy-span']);
    expect(receiver.logRecords()).toEqual([]);
  });

  it('the log exporter cannot be loaded: its records are dropped and counted, spans still arrive', async () => {
    receiver = await startOtlpReceiver();
    const { phases, output } = await runApp({
      LAZY_FAIL: '@opentelemetry/otlp-transformer',
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
    });
    expect(output.match(/cannot load the OTLP log exporter; log records are not exported/g)).toHaveLength(1);
    expect(phases[2]).toMatchObject({ logRecordsExported: 0 });
    expect(phases[2]?.logRecordsExportFailed).toBeGreaterThanOrEqual(1);
    expect(receiver.spans().map((span) => span.name)).toEqual(['lazy-span']);
    expect(receiver.logRecords()).toEqual([]);
  });
});
