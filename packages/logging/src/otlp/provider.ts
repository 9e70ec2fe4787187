import { DynotelError } from '@dynotel/core';
import { Metadata } from '@grpc/grpc-js';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { BoundedLogProcessor } from './bounded-log-processor.ts';

/**
 * An OpenTelemetry LoggerProvider that batches records and exports them over OTLP, for `createLogger`'s
 * `otlp.loggerProvider`. Dynamo exports logs over gRPC to the traces endpoint (reference §1.4), so that
 * is the default; `http/protobuf` posts to `<endpoint>/v1/logs` unless the endpoint already names a path.
 * Its `shutdown()` settles within `shutdownTimeoutMs` whatever the collector does, and every record
 * ends in `dynotel_log_records_exported_total` or `dynotel_log_records_dropped_total{reason}`.
 */
export interface OtlpLoggerProviderOptions {
  /** Default `http://localhost:4317` (Dynamo's traces endpoint default). */
  readonly endpoint?: string;
  /** Default `grpc`. */
  readonly protocol?: 'grpc' | 'http/protobuf';
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-export timeout, default 10 000 ms. */
  readonly timeoutMs?: number;
  /** `service.name`, default `dynamo` (Dynamo's OTEL_SERVICE_NAME default). */
  readonly serviceName?: string;
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
  /** Batch delay, default 1000 ms. */
  readonly scheduledDelayMs?: number;
  /** Queue bound; records beyond it are dropped and counted (`queue_full`). Default 2048. */
  readonly maxQueueSize?: number;
  /** Records per export call. Default 512. */
  readonly maxExportBatchSize?: number;
  /**
   * The most `shutdown()` may take (flush, then count what is left as dropped). Default 5000 ms; set it
   * inside the shutdown hook's budget.
   */
  readonly shutdownTimeoutMs?: number;
}

/**
 * How much longer than the exporter's own timeout a batch waits for its answer: the exporter normally
 * reports the failure itself (`export_failed`); the processor's timeout (`export_timeout`) only catches
 * an exporter that never calls back.
 */
const ANSWER_MARGIN_MS = 1000;

const processors = new WeakMap<LoggerProvider, BoundedLogProcessor>();

/** The bounded processor of a provider made by createOtlpLoggerProvider (undefined for others). */
export function boundedProcessorOf(provider: object): BoundedLogProcessor | undefined {
  return processors.get(provider as LoggerProvider);
}

function invalid(argument: string, value: unknown, accepted: string): DynotelError {
  return new DynotelError(
    'ERR_DYNOTEL_LOGGING_INVALID_OPTION',
    `createOtlpLoggerProvider(): ${argument} must be ${accepted}, got ${JSON.stringify(value)}`,
    { details: { argument, value, accepted } },
  );
}

function httpLogsUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/logs';
  return url.toString();
}

export function createOtlpLoggerProvider(options: OtlpLoggerProviderOptions = {}): LoggerProvider {
  const endpoint = options.endpoint ?? 'http://localhost:4317';
  const protocol = options.protocol ?? 'grpc';
  const timeoutMillis = options.timeoutMs ?? 10_000;
  if (!URL.canParse(endpoint))
    throw invalid('endpoint', endpoint, 'an absolute URL such as http://localhost:4317');
  if (protocol !== 'grpc' && protocol !== 'http/protobuf')
    throw invalid('protocol', protocol, "'grpc' or 'http/protobuf'");
  if (!Number.isInteger(timeoutMillis) || timeoutMillis <= 0)
    throw invalid('timeoutMs', timeoutMillis, 'a positive integer');
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs <= 0)
    throw invalid('shutdownTimeoutMs', shutdownTimeoutMs, 'a positive integer');
  let exporter: LogRecordExporter;
  if (protocol === 'grpc') {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(options.headers ?? {})) metadata.set(key, value);
    exporter = new GrpcLogExporter({
      url: endpoint,
      metadata,
      timeoutMillis,
    }) as unknown as LogRecordExporter;
  } else {
    exporter = new ProtoLogExporter({
      url: httpLogsUrl(endpoint),
      headers: { ...options.headers },
      timeoutMillis,
    }) as unknown as LogRecordExporter;
  }
  const processor = new BoundedLogProcessor(exporter, {
    scheduledDelayMs: options.scheduledDelayMs ?? 1000,
    maxQueueSize: options.maxQueueSize ?? 2048,
    maxExportBatchSize: Math.min(options.maxExportBatchSize ?? 512, options.maxQueueSize ?? 2048),
    exportTimeoutMs: timeoutMillis + ANSWER_MARGIN_MS,
    shutdownTimeoutMs,
  });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      ...options.resourceAttributes,
      'service.name': options.serviceName ?? 'dynamo',
    }),
    processors: [processor],
  });
  processors.set(provider, processor);
  return provider;
}
