import {
  configDefaults,
  DynotelError,
  OTLP_PROTOCOLS,
  otlpSignalEndpoint,
  resolveServiceName,
} from '@dynotel/core';
import type * as ExporterLogsOtlpProto from '@opentelemetry/exporter-logs-otlp-proto';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkLogs from '@opentelemetry/sdk-logs';
import type { LoggerProvider, LogRecordExporter } from '@opentelemetry/sdk-logs';
import { loadDependency } from '../load-dependency.ts';
import { BoundedLogProcessor } from './bounded-log-processor.ts';
import { DEFAULT_RECONNECT_BACKOFF, GrpcLogExporter } from './grpc-log-exporter.ts';
import { LazyLogExporter } from './lazy-log-exporter.ts';

/**
 * An OpenTelemetry LoggerProvider that batches records and exports them over OTLP, for `createLogger`'s
 * `otlp.loggerProvider`. Dynamo exports logs over gRPC (reference §1.4), so that is the default. The
 * endpoint is used as is, for http/protobuf too: core's config resolves it (the one OTel endpoint rule,
 * `otlpSignalEndpoint()` of @dynotel/core).
 * Its `shutdown()` settles within `shutdownTimeoutMs` whatever the collector does, and every record
 * ends in `dynotel_log_records_exported_total` or `dynotel_log_records_dropped_total{reason}`.
 */
export interface OtlpLoggerProviderOptions {
  /**
   * The URL records are sent to, used as is (for http/protobuf the full URL, e.g.
   * `http://collector:4318/v1/logs`). Default: the OTel rule with no variable set,
   * `http://localhost:4317` (grpc) or `http://localhost:4318/v1/logs` (http/protobuf).
   */
  readonly endpoint?: string;
  /** Default `grpc`. */
  readonly protocol?: 'grpc' | 'http/protobuf';
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * grpc reconnect backoff after the collector went away, default 1 s growing to at most 5 s: the span
   * exporter's retry backoff, so both signals resume together when the collector returns (grpc-js's own
   * default grows to 120 s).
   */
  readonly reconnectBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Per-export timeout, default 10 000 ms. */
  readonly timeoutMs?: number;
  /** `service.name`; default: `service.name` of `resourceAttributes`, else `dynamo` (core's rule, as for spans). */
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

/**
 * Nothing of the export stack is loaded when the package is imported: sdk-logs is loaded synchronously
 * by this call (a failure to load it throws; init() then runs without OTLP log export and says so), the
 * exporter and what it pulls in (grpc-js or the http/protobuf exporter, otlp-transformer) at the first
 * export (see LazyLogExporter: a failure then drops and counts the records, logged once).
 */
export function createOtlpLoggerProvider(options: OtlpLoggerProviderOptions = {}): LoggerProvider {
  // Defaults are core's (the env table's), for a provider made without init(); init() passes them all.
  const defaults = configDefaults().tracing.logs;
  const protocol = options.protocol ?? defaults.protocol;
  if (!OTLP_PROTOCOLS.includes(protocol))
    throw invalid('protocol', protocol, OTLP_PROTOCOLS.map((p) => `'${p}'`).join(' or '));
  const endpoint = options.endpoint ?? otlpSignalEndpoint({ signal: 'logs', protocol });
  if (!URL.canParse(endpoint))
    throw invalid('endpoint', endpoint, 'an absolute URL such as http://localhost:4317');
  const timeoutMillis = options.timeoutMs ?? defaults.timeoutMs;
  if (!Number.isInteger(timeoutMillis) || timeoutMillis <= 0)
    throw invalid('timeoutMs', timeoutMillis, 'a positive integer');
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs <= 0)
    throw invalid('shutdownTimeoutMs', shutdownTimeoutMs, 'a positive integer');
  const { LoggerProvider } = loadDependency<typeof SdkLogs>('@opentelemetry/sdk-logs');
  const { resourceFromAttributes } = loadDependency<typeof Resources>('@opentelemetry/resources');
  const headers = options.headers ?? {};
  const reconnectBackoff = options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF;
  const exporter = new LazyLogExporter(() => {
    if (protocol === 'grpc')
      return new GrpcLogExporter({ url: endpoint, headers, timeoutMs: timeoutMillis, reconnectBackoff });
    const { OTLPLogExporter: ProtoLogExporter } = loadDependency<typeof ExporterLogsOtlpProto>(
      '@opentelemetry/exporter-logs-otlp-proto',
    );
    return new ProtoLogExporter({
      url: endpoint,
      headers: { ...headers },
      timeoutMillis,
    }) as unknown as LogRecordExporter;
  });
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
      'service.name': resolveServiceName(options.serviceName, stringAttributes(options.resourceAttributes)),
    }),
    processors: [processor],
  });
  processors.set(provider, processor);
  return provider;
}

function stringAttributes(
  attributes: Readonly<Record<string, string | number | boolean>> | undefined,
): Record<string, string> {
  const name = attributes?.['service.name'];
  return name === undefined ? {} : { 'service.name': String(name) };
}
