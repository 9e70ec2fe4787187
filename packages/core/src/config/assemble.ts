import { DynotelError } from '../errors/dynotel-error.ts';
import { resolveServiceName } from './defaults.ts';
import { deriveServedEndpoint, deriveShutdownBudget } from './derived.ts';
import type { EnvReader } from './env-reader.ts';
import { ENV } from './env-table/index.ts';
import { HISTOGRAMS, type HistogramField, histogramVariableName } from './env-table/metrics.ts';
import { type OtlpSignal, otlpVariableName } from './env-table/tracing.ts';
import { checkLogFilter } from './log-directive.ts';
import { otlpSignalEndpoint } from './otlp-endpoint.ts';
import type {
  DynotelConfig,
  EnvVariable,
  HistogramBucketsConfig,
  MetricsConfig,
  OtlpExporterConfig,
  OtlpProtocol,
  TracingConfig,
} from './types.ts';

/**
 * Builds the config object group by group from one EnvReader. Simple variables map one to one;
 * the functions below hold the rules that involve several variables (fallback spellings, signal
 * precedence, cross-field limits).
 */
export function assembleConfig(env: EnvReader, strict: boolean): DynotelConfig {
  const resourceAttributes = env.get(ENV.OTEL_RESOURCE_ATTRIBUTES);
  const serviceName = resolveServiceName(env.find(ENV.OTEL_SERVICE_NAME), resourceAttributes);
  const endpointPath = env.get(ENV.DYN_ENDPOINT);
  const namespacePrefix = env.get(ENV.DYN_NAMESPACE_PREFIX);
  const baseNamespace = env.get(ENV.DYN_NAMESPACE) ?? endpointPath?.namespace ?? namespacePrefix;
  const suffix = env.get(ENV.DYN_NAMESPACE_WORKER_SUFFIX);
  const identity = {
    serviceName,
    // Dynamo's get_worker_namespace: `<DYN_NAMESPACE or "dynamo">-<suffix>` when the suffix is set.
    namespace: suffix === undefined ? baseNamespace : `${baseNamespace ?? 'dynamo'}-${suffix}`,
    component: env.get(ENV.DYN_COMPONENT) ?? endpointPath?.component,
    endpoint: endpointPath?.endpoint,
    namespacePrefix,
    instanceId: env.get(ENV.DYN_INSTANCE_ID),
    resourceAttributes,
  };

  const system = {
    port: env.get(ENV.DYN_SYSTEM_PORT),
    host: env.get(ENV.DYN_SYSTEM_HOST),
    healthPath: env.get(ENV.DYN_SYSTEM_HEALTH_PATH),
    livePath: env.get(ENV.DYN_SYSTEM_LIVE_PATH),
  };
  const systemEnabled = env.raw(ENV.DYN_SYSTEM_ENABLED);
  if (systemEnabled !== undefined) {
    env.reportDeprecated(
      ENV.DYN_SYSTEM_ENABLED,
      systemEnabled,
      `DYN_SYSTEM_ENABLED=${JSON.stringify(systemEnabled)} is deprecated and ignored: DYN_SYSTEM_PORT alone decides whether the system server runs (now ${system.port < 0 ? 'off' : `port ${system.port}`}).`,
    );
  }

  const http = {
    port: env.get(ENV.DYN_HTTP_PORT),
    host: env.get(ENV.DYN_HTTP_HOST),
    metricsPath: env.get(ENV.DYN_HTTP_SVC_METRICS_PATH),
    healthPath: env.get(ENV.DYN_HTTP_SVC_HEALTH_PATH),
    livePath: env.get(ENV.DYN_HTTP_SVC_LIVE_PATH),
  };

  const health = {
    startingStatus: env.get(ENV.DYN_SYSTEM_STARTING_HEALTH_STATUS),
    endpointHealthStatus: env.get(ENV.DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS),
    canaryEnabled: env.get(ENV.DYN_HEALTH_CHECK_ENABLED),
    canaryWaitMs: env.get(ENV.DYN_CANARY_WAIT_TIME),
    canaryTimeoutMs: env.get(ENV.DYN_HEALTH_CHECK_REQUEST_TIMEOUT),
    canaryPayload: env.get(ENV.DYN_HEALTH_CHECK_PAYLOAD),
  };

  const metrics: MetricsConfig = {
    prefix: env.get(ENV.DYN_METRICS_PREFIX),
    seriesLimit: env.get(ENV.DYN_METRICS_SERIES_LIMIT),
    labelValueMaxLength: env.get(ENV.DYN_METRICS_LABEL_VALUE_MAX_LENGTH),
    foreignTextMaxBytes: env.get(ENV.DYN_METRICS_FOREIGN_TEXT_MAX_BYTES),
    promClientNames: env.get(ENV.DYN_METRICS_PROM_CLIENT_NAMES),
    histograms: readHistograms(env),
  };

  const file = env.get(ENV.DYN_LOGGING_CONFIG_PATH);
  const logging = {
    filter: readLogFilter(env) ?? file?.logLevel ?? 'info',
    targetFilters: file?.logFilters ?? Object.freeze({}),
    configPath: file?.path,
    jsonl: env.get(ENV.DYN_LOGGING_JSONL),
    localTimezone: env.get(ENV.DYN_LOG_USE_LOCAL_TZ),
    spanEvents: env.get(ENV.DYN_LOGGING_SPAN_EVENTS),
    disableAnsi: env.get(ENV.DYN_SDK_DISABLE_ANSI_LOGGING),
  };

  return {
    strict,
    identity: { ...identity, served: deriveServedEndpoint(identity) },
    system,
    http,
    health,
    metrics,
    logging,
    tracing: readTracing(env),
    shutdown: readShutdown(env),
    instrumentation: {
      httpServer: env.get(ENV.DYN_INSTRUMENT_HTTP_SERVER),
      httpClient: env.get(ENV.DYN_INSTRUMENT_HTTP_CLIENT),
      fetch: env.get(ENV.DYN_INSTRUMENT_FETCH),
    },
    privacy: { keepUrlQuery: env.get(ENV.DYN_TELEMETRY_KEEP_URL_QUERY) },
    cluster: {
      aggregate: env.get(ENV.DYN_CLUSTER_AGGREGATE),
      scrapeTimeoutMs: env.get(ENV.DYN_CLUSTER_SCRAPE_TIMEOUT),
      readyShare: env.get(ENV.DYN_CLUSTER_READY_SHARE),
      primaryPid: env.get(ENV.DYN_CLUSTER_PRIMARY_PID),
    },
  };
}

/**
 * DYN_LOG, with each directive that does not parse (an unknown level word, a span selector) reported as
 * a problem naming it and left out; the other directives stay in force. Unset, or nothing left: undefined.
 */
function readLogFilter(env: EnvReader): string | undefined {
  const row = ENV.DYN_LOG;
  const outcome = env.outcome(row);
  if (outcome.state === 'unset') return undefined;
  if (outcome.state === 'invalid') {
    env.reportInvalid(row, outcome.raw, outcome.reason);
    return undefined;
  }
  const { kept, refused } = checkLogFilter(outcome.value ?? '');
  if (refused.length > 0) {
    const reasons = refused.map(({ directive, reason }) => `directive "${directive}": ${reason}`).join('; ');
    env.reportInvalid(
      row,
      outcome.raw,
      reasons,
      kept === '' ? row.default : `the other directives, "${kept}"`,
    );
  }
  return kept === '' ? undefined : kept;
}

/** `primary` unless it is unset and `alias` (another spelling of the same setting) is set. */
function setOrFirst<T>(env: EnvReader, primary: EnvVariable<T>, alias: EnvVariable<T>): EnvVariable<T> {
  return env.raw(primary) === undefined && env.raw(alias) !== undefined ? alias : primary;
}

function row<T = unknown>(name: string): EnvVariable<T> {
  const found = (ENV as Readonly<Record<string, EnvVariable>>)[name];
  if (found === undefined) throw new DynotelError('ERR_DYNOTEL_INTERNAL', `${name} is not in the env table`);
  return found as EnvVariable<T>;
}

/**
 * Each histogram reads DYN_METRICS_<H>_<F>, else Dynamo's doubled DYN_HISTOGRAM_DYN_METRICS_<H>_<F>.
 * As in Dynamo, one invalid value (or MIN >= MAX) makes all three of that histogram fall back.
 */
function readHistograms(env: EnvReader): MetricsConfig['histograms'] {
  const result: Record<string, HistogramBucketsConfig> = {};
  for (const histogram of HISTOGRAMS) {
    const fallback = `the @dynotel/metrics defaults for all three ${histogram.infix} values`;
    const values: Partial<Record<HistogramField, number>> = {};
    const used: Partial<Record<HistogramField, { row: EnvVariable<number | undefined>; raw: string }>> = {};
    let invalid = false;
    for (const field of ['min', 'max', 'count'] as const) {
      const primary = row<number | undefined>(histogramVariableName(histogram.infix, field, false));
      const doubled = row<number | undefined>(histogramVariableName(histogram.infix, field, true));
      let outcome = env.outcome(primary);
      let source = primary;
      const doubledOutcome = env.outcome(doubled);
      if (outcome.state === 'unset') {
        outcome = doubledOutcome;
        source = doubled;
      }
      if (outcome.state === 'invalid') {
        env.reportInvalid(source, outcome.raw, outcome.reason, fallback);
        invalid = true;
      } else if (outcome.state === 'valid' && outcome.value !== undefined) {
        values[field] = outcome.value;
        used[field] = { row: source, raw: outcome.raw };
      }
    }
    const max = used.max;
    if (
      !invalid &&
      values.min !== undefined &&
      values.max !== undefined &&
      max !== undefined &&
      values.min >= values.max
    ) {
      env.reportInvalid(max.row, max.raw, `not above MIN (${values.min})`, fallback);
      invalid = true;
    }
    result[histogram.key] = invalid
      ? { min: undefined, max: undefined, count: undefined }
      : { min: values.min, max: values.max, count: values.count };
  }
  return result as unknown as MetricsConfig['histograms'];
}

function readExporter(
  env: EnvReader,
  signal: OtlpSignal,
  protocol: OtlpProtocol,
  grpcTracesEndpoint: string | undefined,
): OtlpExporterConfig {
  const specific = env.find(row<string | undefined>(otlpVariableName('ENDPOINT', signal)));
  const generic = env.find(row<string | undefined>(otlpVariableName('ENDPOINT')));
  // Dynamo's one extension of the spec rule: logs over grpc without any endpoint of their own (and no
  // generic one) follow the grpc traces endpoint.
  const endpoint = otlpSignalEndpoint({
    signal,
    protocol,
    specific: specific ?? (generic === undefined && protocol === 'grpc' ? grpcTracesEndpoint : undefined),
    generic,
  });

  const layered = <T>(setting: 'HEADERS' | 'TIMEOUT' | 'COMPRESSION', fallback: T): T =>
    env.find(row<T | undefined>(otlpVariableName(setting, signal))) ??
    env.find(row<T | undefined>(otlpVariableName(setting))) ??
    fallback;
  return {
    endpoint,
    protocol,
    headers: layered<Readonly<Record<string, string>>>('HEADERS', Object.freeze({})),
    timeoutMs: layered('TIMEOUT', 10_000),
    compression: layered<'gzip' | 'none'>('COMPRESSION', 'none'),
  };
}

function readTracing(env: EnvReader): TracingConfig {
  const protocolOf = (signal: OtlpSignal): OtlpProtocol =>
    env.find(row<OtlpProtocol | undefined>(otlpVariableName('PROTOCOL', signal))) ??
    env.find(row<OtlpProtocol | undefined>(otlpVariableName('PROTOCOL'))) ??
    'grpc';
  const tracesProtocol = protocolOf('traces');
  const logsProtocol = protocolOf('logs');
  const traces = readExporter(env, 'traces', tracesProtocol, undefined);
  // Dynamo sends logs to the traces endpoint when no logs endpoint is set; that only makes sense
  // when both signals speak gRPC (an http/protobuf URL carries the signal in its path).
  const tracesSpecific = env.find(row<string | undefined>(otlpVariableName('ENDPOINT', 'traces')));
  const grpcTracesEndpoint = tracesProtocol === 'grpc' ? tracesSpecific : undefined;
  const logs = readExporter(env, 'logs', logsProtocol, grpcTracesEndpoint);

  const maxQueueSize = env.get(ENV.OTEL_BSP_MAX_QUEUE_SIZE);
  const batchRow = ENV.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
  const batchOutcome = env.outcome(batchRow);
  let maxExportBatchSize = Math.min(batchRow.fallback, maxQueueSize);
  if (batchOutcome.state === 'invalid') {
    env.reportInvalid(batchRow, batchOutcome.raw, batchOutcome.reason, String(maxExportBatchSize));
  } else if (batchOutcome.state === 'valid') {
    if (batchOutcome.value > maxQueueSize) {
      env.reportInvalid(
        batchRow,
        batchOutcome.raw,
        `larger than OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`,
        String(maxExportBatchSize),
      );
    } else maxExportBatchSize = batchOutcome.value;
  }

  return {
    sdkDisabled: env.get(ENV.OTEL_SDK_DISABLED),
    exportEnabled: env.get(ENV.OTEL_EXPORT_ENABLED),
    tracesExporter: env.get(ENV.OTEL_TRACES_EXPORTER),
    logsExporter: env.get(ENV.OTEL_LOGS_EXPORTER),
    sampler: env.get(ENV.OTEL_TRACES_SAMPLER),
    samplerRatio: env.get(ENV.OTEL_TRACES_SAMPLER_ARG),
    batch: {
      scheduleDelayMs: env.get(ENV.OTEL_BSP_SCHEDULE_DELAY),
      exportTimeoutMs: env.get(ENV.OTEL_BSP_EXPORT_TIMEOUT),
      maxQueueSize,
      maxExportBatchSize,
    },
    traces,
    logs,
  };
}

/**
 * The drain delay and the shutdown timeout must fit in the grace period, or the platform kills the
 * process before the telemetry is flushed. A value set explicitly that breaks the budget is reported;
 * a default is quietly reduced to fit.
 */
function readShutdown(env: EnvReader): DynotelConfig['shutdown'] {
  // dynotel's variable, else Dynamo's equivalent (frontend / worker runtime): the one set is the one read.
  const graceRow = setOrFirst(env, ENV.DYN_SHUTDOWN_GRACE_PERIOD, ENV.DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT);
  const gracePeriodMs = env.get(graceRow);
  const drainRow = ENV.DYN_SHUTDOWN_DRAIN_DELAY;
  const timeoutRow = setOrFirst(env, ENV.DYN_SHUTDOWN_TIMEOUT, ENV.DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS);
  const drain = env.outcome(drainRow);
  const timeout = env.outcome(timeoutRow);
  const seconds = (ms: number) => `${ms / 1000}`;

  // In a pod the default drain delay is a sixth of the grace period, at most 5 s (5 s of the default
  // 30 s): the time Kubernetes takes to remove the pod from its endpoints. Outside one nothing routes by
  // readiness, so the default is 0 (Ctrl-C does not wait).
  const inKubernetes = env.raw(ENV.KUBERNETES_SERVICE_HOST) !== undefined;
  const defaultDrainMs = inKubernetes ? Math.min(drainRow.fallback, Math.floor(gracePeriodMs / 6)) : 0;
  let drainDelayMs = defaultDrainMs;
  if (drain.state === 'invalid')
    env.reportInvalid(drainRow, drain.raw, drain.reason, seconds(defaultDrainMs));
  else if (drain.state === 'valid') {
    if (drain.value >= gracePeriodMs) {
      env.reportInvalid(
        drainRow,
        drain.raw,
        `not below the grace period (${seconds(gracePeriodMs)} s)`,
        seconds(defaultDrainMs),
      );
    } else drainDelayMs = drain.value;
  }

  const budgetMs = gracePeriodMs - drainDelayMs;
  const defaultTimeoutMs = Math.min(timeoutRow.fallback, budgetMs);
  let timeoutMs = defaultTimeoutMs;
  if (timeout.state === 'invalid')
    env.reportInvalid(timeoutRow, timeout.raw, timeout.reason, seconds(defaultTimeoutMs));
  else if (timeout.state === 'valid') {
    if (timeout.value > budgetMs) {
      env.reportInvalid(
        timeoutRow,
        timeout.raw,
        `drain delay + timeout exceed the grace period (${seconds(gracePeriodMs)} s)`,
        seconds(budgetMs),
      );
      timeoutMs = budgetMs;
    } else timeoutMs = timeout.value;
  }
  return deriveShutdownBudget({ inKubernetes, drainDelayMs, timeoutMs, gracePeriodMs });
}
