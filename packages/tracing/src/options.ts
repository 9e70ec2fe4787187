import {
  configDefaults,
  DynotelError,
  OTLP_COMPRESSIONS,
  OTLP_PROTOCOLS,
  type OtlpProtocol,
  otlpSignalEndpoint,
  resolveServiceName,
  TRACE_SAMPLERS,
  type TraceSampler,
} from '@dynotel/core';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { TracingErrorCode } from './errors.ts';

/** OTEL_EXPORTER_OTLP_PROTOCOL values we support (`grpc` is the default, as Dynamo): the config table's. */
export type { OtlpProtocol };

/** OTEL_TRACES_SAMPLER values we support: the config table's. */
export type TracesSamplerName = TraceSampler;

/** OTEL_BSP_* settings. */
export interface BatchOptions {
  /** OTEL_BSP_SCHEDULE_DELAY: ms between scheduled exports. Default 5000. */
  readonly scheduleDelayMs?: number | undefined;
  /** OTEL_BSP_EXPORT_TIMEOUT: longest wait for one batch export. Default 30000. */
  readonly exportTimeoutMs?: number | undefined;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans held while waiting for export; more are dropped. Default 2048. */
  readonly maxQueueSize?: number | undefined;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans per export call, clamped to maxQueueSize. Default 512. */
  readonly maxExportBatchSize?: number | undefined;
}

/** Backoff between retries of one export (all within `timeoutMs`). Defaults follow opentelemetry-js HTTP. */
export interface RetryOptions {
  /** First backoff. Default 1000 ms. */
  readonly initialBackoffMs?: number | undefined;
  /** Longest backoff. Default 5000 ms. */
  readonly maxBackoffMs?: number | undefined;
  /** Growth per attempt. Default 1.5. */
  readonly backoffMultiplier?: number | undefined;
  /** Attempts per export, the first included. Default 6 (5 retries). */
  readonly maxAttempts?: number | undefined;
}

/**
 * Options of `createTracing()`. Names follow the OTEL_* variables they come from (the umbrella
 * package maps the environment onto them); nothing here reads `process.env`.
 */
export interface TracingOptions {
  /** OTEL_EXPORT_ENABLED: export spans over OTLP. Default false (spans still get ids, for logs). */
  readonly exportEnabled?: boolean | undefined;
  /** OTEL_SDK_DISABLED: a no-op tracer (no ids, no export). Default false. */
  readonly sdkDisabled?: boolean | undefined;
  /**
   * The URL spans are sent to, used as is: for http/protobuf the full URL, path included (e.g.
   * `http://collector:4318/v1/traces`). Core's config resolves it from the OTEL_EXPORTER_OTLP_* variables
   * (`config.tracing.traces.endpoint`, `otlpSignalEndpoint()` of @dynotel/core), the one place the OTel
   * endpoint rule lives. Default: that rule with no variable set, `http://localhost:4317` (grpc) or
   * `http://localhost:4318/v1/traces` (http/protobuf).
   */
  readonly endpoint?: string | undefined;
  /** OTEL_EXPORTER_OTLP_PROTOCOL. Default `grpc`. */
  readonly protocol?: OtlpProtocol | undefined;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, already parsed: sent as gRPC metadata or HTTP headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT: budget of one export including its retries. Default 10000 ms. */
  readonly timeoutMs?: number | undefined;
  /** OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION. Default `none`. */
  readonly compression?: 'gzip' | 'none' | undefined;
  /** OTEL_SERVICE_NAME: `service.name`. Default: `service.name` of `resourceAttributes`, else `dynamo`. */
  readonly serviceName?: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, already parsed. */
  readonly resourceAttributes?: Readonly<Record<string, string>> | undefined;
  /** OTEL_TRACES_SAMPLER. Default `parentbased_always_on`. */
  readonly sampler?: TracesSamplerName | undefined;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio for the `*traceidratio` samplers, 0..1. Default 1. */
  readonly samplerArg?: number | undefined;
  /** OTEL_BSP_*. */
  readonly batch?: BatchOptions | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Dynamo namespace, component and instance: resource attributes `dynamo.namespace`, `dynamo.component`, `service.instance.id`. */
  readonly namespace?: string | undefined;
  readonly component?: string | undefined;
  readonly instance?: string | undefined;
  /** Export to this exporter instead of OTLP (tests, custom backends). Implies export. */
  readonly exporter?: SpanExporter | undefined;
  /** Extra processors that see every span (e.g. the span collector of `@dynotel/tracing/testing`). */
  readonly spanProcessors?: readonly SpanProcessor[] | undefined;
  /** Register as the global tracer provider, context manager and propagator. Default true. */
  readonly registerGlobal?: boolean | undefined;
  /** Shortest interval between two export-error log lines. Default 30000 ms. */
  readonly errorLogIntervalMs?: number | undefined;
}

/** Options with defaults applied and values checked. */
export interface ResolvedTracingOptions {
  readonly exportEnabled: boolean;
  readonly sdkDisabled: boolean;
  readonly url: URL;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: TracesSamplerName;
  readonly samplerArg: number;
  readonly batch: Required<{ [K in keyof BatchOptions]: number }>;
  readonly retry: Required<{ [K in keyof RetryOptions]: number }>;
  readonly namespace: string | undefined;
  readonly component: string | undefined;
  readonly instance: string | undefined;
  readonly registerGlobal: boolean;
  readonly errorLogIntervalMs: number;
}

function invalid(option: string, value: unknown, accepted: string): DynotelError<TracingErrorCode> {
  return new DynotelError(
    'ERR_DYNOTEL_TRACING_INVALID_OPTION',
    `createTracing(): option '${option}' is ${JSON.stringify(value)}; accepted: ${accepted}`,
    { details: { option, value, accepted } },
  );
}

function integer(option: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw invalid(option, value, `an integer >= ${min}`);
  return value;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw invalid(option, value, 'a finite number > 0');
  return value;
}

function resolveUrl(options: TracingOptions, protocol: OtlpProtocol): URL {
  const raw = options.endpoint ?? otlpSignalEndpoint({ signal: 'traces', protocol });
  const option = 'endpoint';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(option, raw, 'an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(option, raw, 'an absolute http:// or https:// URL');
  return url;
}

/**
 * Applies the defaults and checks the values. The defaults are core's (`configDefaults()`, the env table):
 * `init()` passes every value already resolved by core's config, so nothing here is computed a second
 * time for it; a default applies only when @dynotel/tracing is used alone.
 */
export function resolveTracingOptions(options: TracingOptions): ResolvedTracingOptions {
  const defaults = configDefaults().tracing;
  const protocol = options.protocol ?? defaults.traces.protocol;
  if (!OTLP_PROTOCOLS.includes(protocol)) throw invalid('protocol', protocol, OTLP_PROTOCOLS.join(', '));
  const sampler = options.sampler ?? defaults.sampler;
  if (!TRACE_SAMPLERS.includes(sampler)) throw invalid('sampler', sampler, TRACE_SAMPLERS.join(', '));
  const samplerArg = options.samplerArg ?? defaults.samplerRatio;
  if (!Number.isFinite(samplerArg) || samplerArg < 0 || samplerArg > 1)
    throw invalid('samplerArg', samplerArg, 'a number from 0 to 1');
  const compression = options.compression ?? defaults.traces.compression;
  if (!OTLP_COMPRESSIONS.includes(compression))
    throw invalid('compression', compression, OTLP_COMPRESSIONS.join(', '));

  const batch = defaults.batch;
  const maxQueueSize = integer('batch.maxQueueSize', options.batch?.maxQueueSize, batch.maxQueueSize, 1);
  // The spec requires batch <= queue; like opentelemetry-js we clamp rather than fail (core's config
  // already reports and clamps an OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue, so init() never hits it).
  const maxExportBatchSize = Math.min(
    integer('batch.maxExportBatchSize', options.batch?.maxExportBatchSize, batch.maxExportBatchSize, 1),
    maxQueueSize,
  );
  const resourceAttributes = options.resourceAttributes ?? {};
  return {
    exportEnabled: options.exportEnabled === true || options.exporter !== undefined,
    sdkDisabled: options.sdkDisabled === true,
    url: resolveUrl(options, protocol),
    protocol,
    headers: options.headers ?? {},
    timeoutMs: positive('timeoutMs', options.timeoutMs, defaults.traces.timeoutMs),
    compression,
    serviceName: resolveServiceName(options.serviceName, resourceAttributes),
    resourceAttributes,
    sampler,
    samplerArg,
    batch: {
      scheduleDelayMs: integer(
        'batch.scheduleDelayMs',
        options.batch?.scheduleDelayMs,
        batch.scheduleDelayMs,
        0,
      ),
      exportTimeoutMs: positive(
        'batch.exportTimeoutMs',
        options.batch?.exportTimeoutMs,
        batch.exportTimeoutMs,
      ),
      maxQueueSize,
      maxExportBatchSize,
    },
    retry: {
      initialBackoffMs: positive('retry.initialBackoffMs', options.retry?.initialBackoffMs, 1000),
      maxBackoffMs: positive('retry.maxBackoffMs', options.retry?.maxBackoffMs, 5000),
      backoffMultiplier: positive('retry.backoffMultiplier', options.retry?.backoffMultiplier, 1.5),
      maxAttempts: integer('retry.maxAttempts', options.retry?.maxAttempts, 6, 1),
    },
    namespace: options.namespace,
    component: options.component,
    instance: options.instance,
    registerGlobal: options.registerGlobal !== false,
    errorLogIntervalMs: integer('errorLogIntervalMs', options.errorLogIntervalMs, 30_000, 0),
  };
}
