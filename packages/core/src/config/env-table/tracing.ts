import type { OtlpSignal } from '../otlp-endpoint.ts';
import {
  decimal,
  httpUrl,
  integer,
  keyValueList,
  milliseconds,
  oneOf,
  otelBoolean,
  truthyBoolean,
} from '../parsers.ts';
import type { EnvVariable, OtlpCompression, OtlpProtocol, SignalExporter, TraceSampler } from '../types.ts';
import { envVar } from './row.ts';

const OTEL_BOOL_ACCEPTED = 'true|false (case-insensitive)';

/** OTEL_TRACES_SAMPLER values dynotel supports (the spec's, without jaeger_remote and xray). */
export const SAMPLERS: readonly TraceSampler[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const EXPORTERS: readonly SignalExporter[] = ['otlp', 'none'];

/** OTEL_EXPORTER_OTLP_PROTOCOL values dynotel supports. */
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf'];

/** OTEL_EXPORTER_OTLP_COMPRESSION values. */
export const OTLP_COMPRESSIONS: readonly OtlpCompression[] = ['gzip', 'none'];

export type { OtlpSignal } from '../otlp-endpoint.ts';

type OtlpSetting = 'ENDPOINT' | 'PROTOCOL' | 'HEADERS' | 'TIMEOUT' | 'COMPRESSION';

export function otlpVariableName(setting: OtlpSetting, signal?: OtlpSignal): string {
  return `OTEL_EXPORTER_OTLP_${signal === undefined ? '' : `${signal.toUpperCase()}_`}${setting}`;
}

function keysFor(field: string, signal?: OtlpSignal): string[] {
  return signal === undefined
    ? [`tracing.traces.${field}`, `tracing.logs.${field}`]
    : [`tracing.${signal}.${field}`];
}

function scope(signal?: OtlpSignal): string {
  return signal === undefined ? 'both signals (a signal-specific variable wins)' : `${signal} only`;
}

function otlpRows(signal?: OtlpSignal): Record<string, EnvVariable> {
  const rows: EnvVariable[] = [
    envVar({
      name: otlpVariableName('ENDPOINT', signal),
      group: 'tracing',
      type: 'url',
      default:
        signal === 'logs'
          ? 'from OTEL_EXPORTER_OTLP_ENDPOINT, else the grpc traces endpoint, else the protocol default'
          : signal === 'traces'
            ? 'from OTEL_EXPORTER_OTLP_ENDPOINT, else the protocol default'
            : 'http://localhost:4317 (grpc) / http://localhost:4318 (http/protobuf)',
      accepted: 'an absolute http:// or https:// URL',
      description:
        signal === undefined
          ? 'OTLP endpoint for traces and logs. With http/protobuf, `/v1/traces` and `/v1/logs` are appended to it (to this variable only).'
          : signal === 'traces'
            ? 'OTLP endpoint for spans, used as is. Wins over OTEL_EXPORTER_OTLP_ENDPOINT.'
            : 'OTLP endpoint for log records, used as is. Wins over OTEL_EXPORTER_OTLP_ENDPOINT. When neither is set and both signals use grpc, the traces endpoint is used (Dynamo behaviour), else the protocol default.',
      source: signal === undefined ? 'otel' : 'dynamo',
      keys: keysFor('endpoint', signal),
      parse: httpUrl,
      fallback: undefined,
    }),
    envVar({
      name: otlpVariableName('PROTOCOL', signal),
      group: 'tracing',
      type: 'enum',
      default: signal === undefined ? 'grpc' : 'the OTEL_EXPORTER_OTLP_PROTOCOL value',
      accepted: 'grpc|http/protobuf',
      description: `OTLP transport for ${scope(signal)}. grpc is the default, as in Dynamo (the OTel spec defaults to http/protobuf); http/json is not supported.`,
      source: 'otel',
      keys: keysFor('protocol', signal),
      parse: oneOf<OtlpProtocol>(OTLP_PROTOCOLS, {
        'http/json': 'http/json is not supported by dynotel; use grpc or http/protobuf',
      }),
      fallback: undefined,
    }),
    envVar({
      name: otlpVariableName('HEADERS', signal),
      group: 'tracing',
      type: 'key-value-list',
      default: signal === undefined ? 'unset' : 'the OTEL_EXPORTER_OTLP_HEADERS value',
      accepted: 'name1=value1,name2=value2 with percent-encoded values; names are HTTP tokens',
      description: `Extra headers (gRPC metadata) on every export for ${scope(signal)}. Secret: never logged.`,
      source: 'otel',
      keys: keysFor('headers', signal),
      secret: true,
      parse: keyValueList('headers'),
      fallback: undefined,
    }),
    envVar({
      name: otlpVariableName('TIMEOUT', signal),
      group: 'tracing',
      type: 'duration-ms',
      default: signal === undefined ? '10000' : 'the OTEL_EXPORTER_OTLP_TIMEOUT value',
      accepted: 'milliseconds, an integer > 0',
      description: `Time limit of one export call, retries included, for ${scope(signal)}.`,
      source: 'otel',
      keys: keysFor('timeoutMs', signal),
      parse: milliseconds(1),
      fallback: undefined,
    }),
    envVar({
      name: otlpVariableName('COMPRESSION', signal),
      group: 'tracing',
      type: 'enum',
      default: signal === undefined ? 'none' : 'the OTEL_EXPORTER_OTLP_COMPRESSION value',
      accepted: 'gzip|none',
      description: `Payload compression for ${scope(signal)}.`,
      source: 'otel',
      keys: keysFor('compression', signal),
      parse: oneOf<OtlpCompression>(OTLP_COMPRESSIONS),
      fallback: undefined,
    }),
  ];
  return Object.fromEntries(rows.map((row) => [row.name, row]));
}

function batchRow(
  name: string,
  field: string,
  fallback: number,
  min: number,
  accepted: string,
  description: string,
) {
  return envVar({
    name,
    group: 'tracing',
    type: field.endsWith('Ms') ? 'duration-ms' : 'int',
    default: String(fallback),
    accepted,
    description,
    source: 'otel',
    keys: [`tracing.batch.${field}`],
    parse: field.endsWith('Ms') ? milliseconds(min) : integer(min, 1_000_000),
    fallback,
  });
}

export const TRACING_VARIABLES = {
  OTEL_SDK_DISABLED: envVar({
    name: 'OTEL_SDK_DISABLED',
    group: 'tracing',
    type: 'bool-otel',
    default: 'false',
    accepted: OTEL_BOOL_ACCEPTED,
    description:
      'true turns the OpenTelemetry SDK into a no-op: no spans and no OTLP export. Prometheus metrics, logs and health checks keep working.',
    source: 'otel',
    keys: ['tracing.sdkDisabled'],
    parse: otelBoolean,
    fallback: false,
  }),
  OTEL_EXPORT_ENABLED: envVar({
    name: 'OTEL_EXPORT_ENABLED',
    group: 'tracing',
    type: 'bool-truthy',
    default: 'false',
    accepted: '1|true|on|yes or 0|false|off|no (case-insensitive)',
    description:
      "Exports spans and log records over OTLP. Dynamo's variable, so Dynamo's truthy set; unlike Dynamo it does not need DYN_LOGGING_JSONL.",
    source: 'dynamo',
    keys: ['tracing.exportEnabled'],
    parse: truthyBoolean,
    fallback: false,
  }),
  OTEL_TRACES_EXPORTER: envVar({
    name: 'OTEL_TRACES_EXPORTER',
    group: 'tracing',
    type: 'enum',
    default: 'otlp',
    accepted: 'otlp|none',
    description:
      'Where spans go once export is on (OTEL_EXPORT_ENABLED): `otlp`, or `none` to keep spans local (trace ids in logs, no export).',
    source: 'otel',
    keys: ['tracing.tracesExporter'],
    parse: oneOf<SignalExporter>(EXPORTERS, {
      console: 'console is not supported by dynotel',
      zipkin: 'zipkin is not supported by dynotel',
    }),
    fallback: 'otlp' as SignalExporter,
  }),
  OTEL_LOGS_EXPORTER: envVar({
    name: 'OTEL_LOGS_EXPORTER',
    group: 'tracing',
    type: 'enum',
    default: 'otlp',
    accepted: 'otlp|none',
    description:
      'Where log records go once export is on (OTEL_EXPORT_ENABLED), besides the JSONL/readable lines: `otlp`, or `none` when the lines are collected from stdout already (saves one OTLP record per line).',
    source: 'otel',
    keys: ['tracing.logsExporter'],
    parse: oneOf<SignalExporter>(EXPORTERS, {
      console: 'console is not supported by dynotel',
    }),
    fallback: 'otlp' as SignalExporter,
  }),
  OTEL_TRACES_SAMPLER: envVar({
    name: 'OTEL_TRACES_SAMPLER',
    group: 'tracing',
    type: 'enum',
    default: 'parentbased_always_on',
    accepted: SAMPLERS.join('|'),
    description: 'Head sampler (OTel spec values; jaeger_remote and xray are not supported).',
    source: 'otel',
    keys: ['tracing.sampler'],
    parse: oneOf<TraceSampler>(SAMPLERS, {
      jaeger_remote: 'jaeger_remote is not supported by dynotel',
      parentbased_jaeger_remote: 'parentbased_jaeger_remote is not supported by dynotel',
      xray: 'xray is not supported by dynotel',
    }),
    fallback: 'parentbased_always_on' as TraceSampler,
  }),
  OTEL_TRACES_SAMPLER_ARG: envVar({
    name: 'OTEL_TRACES_SAMPLER_ARG',
    group: 'tracing',
    type: 'float',
    default: '1.0',
    accepted: 'a number from 0 to 1',
    description: 'Sampling ratio of the traceidratio samplers; ignored by the others.',
    source: 'otel',
    keys: ['tracing.samplerRatio'],
    parse: decimal({ min: 0, max: 1 }),
    fallback: 1,
  }),
  ...otlpRows(),
  ...otlpRows('traces'),
  ...otlpRows('logs'),
  OTEL_BSP_SCHEDULE_DELAY: batchRow(
    'OTEL_BSP_SCHEDULE_DELAY',
    'scheduleDelayMs',
    5000,
    0,
    'milliseconds, an integer >= 0',
    'Delay between two batch exports of spans.',
  ),
  OTEL_BSP_EXPORT_TIMEOUT: batchRow(
    'OTEL_BSP_EXPORT_TIMEOUT',
    'exportTimeoutMs',
    30_000,
    1,
    'milliseconds, an integer > 0',
    'Time limit of one batch export.',
  ),
  OTEL_BSP_MAX_QUEUE_SIZE: batchRow(
    'OTEL_BSP_MAX_QUEUE_SIZE',
    'maxQueueSize',
    2048,
    1,
    'an integer from 1 to 1000000',
    'Most spans waiting for export; past it spans are dropped and counted, so a dead collector costs bounded memory.',
  ),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: batchRow(
    'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    'maxExportBatchSize',
    512,
    1,
    'an integer from 1 to 1000000, at most OTEL_BSP_MAX_QUEUE_SIZE',
    'Most spans in one export. When it exceeds the queue size it falls back to the default, or to the queue size if that is smaller.',
  ),
} as const;
