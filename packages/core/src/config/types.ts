/**
 * The typed configuration dynotel reads from `DYN_*` and `OTEL_*` variables. Every leaf key is always
 * present (possibly `undefined`), so the shape is fixed and `overrides` can be checked against it.
 * Durations are stored in milliseconds whatever unit the variable uses (the key names say `Ms`).
 */

export type HealthStatus = 'ready' | 'notready';
export type OtlpProtocol = 'grpc' | 'http/protobuf';
export type OtlpCompression = 'gzip' | 'none';
/** OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER values dynotel supports. */
export type SignalExporter = 'otlp' | 'none';

export type TraceSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface IdentityConfig {
  /** `service.name` (OTEL_SERVICE_NAME); wins over a `service.name` in the resource attributes. */
  readonly serviceName: string;
  /**
   * The effective Dynamo namespace: DYN_NAMESPACE, else the namespace of a `dyn://` DYN_ENDPOINT, else
   * DYN_NAMESPACE_PREFIX; then `-<DYN_NAMESPACE_WORKER_SUFFIX>` appended when that is set (Dynamo's
   * `get_worker_namespace`).
   */
  readonly namespace: string | undefined;
  /** DYN_COMPONENT, else the component of a `dyn://` DYN_ENDPOINT. */
  readonly component: string | undefined;
  /** The endpoint name of DYN_ENDPOINT (plain, or the last part of `dyn://ns.component.endpoint`). */
  readonly endpoint: string | undefined;
  /** DYN_NAMESPACE_PREFIX as given (a frontend's discovery prefix), for reporting. */
  readonly namespacePrefix: string | undefined;
  /** The instance (worker) id in lowercase hexadecimal without `0x`, as Dynamo's `worker_id` label prints it. */
  readonly instanceId: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, percent-decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** Derived: where `telemetry.endpoint()` serves, each part else Dynamo's default. */
  readonly served: ServedEndpointIdentity;
}

/** The Dynamo path of a served endpoint (`dyn://<namespace>.<component>.<endpoint>`). */
export interface ServedEndpointIdentity {
  /** `identity.namespace`, else `dynamo`. */
  readonly namespace: string;
  /** `identity.component`, else `backend`. */
  readonly component: string;
  /** `identity.endpoint`, else `generate`: the default name of `telemetry.endpoint()`. */
  readonly endpoint: string;
}

export interface SystemServerConfig {
  /** -1 = the system server is off, 0 = a random free port, otherwise that port. */
  readonly port: number;
  readonly host: string;
  readonly healthPath: string;
  readonly livePath: string;
}

export interface HttpServerConfig {
  readonly port: number;
  readonly host: string;
  readonly metricsPath: string;
  readonly healthPath: string;
  readonly livePath: string;
}

export interface HealthConfig {
  readonly startingStatus: HealthStatus;
  /** Endpoint names that must all be ready for the process to be healthy. */
  readonly endpointHealthStatus: readonly string[];
  readonly canaryEnabled: boolean;
  readonly canaryWaitMs: number;
  readonly canaryTimeoutMs: number;
  /** A replacement canary payload; `undefined` = the endpoint's own default. */
  readonly canaryPayload: Readonly<Record<string, unknown>> | undefined;
}

/** One histogram's bucket layout; `undefined` fields are left to @dynotel/metrics' defaults. */
export interface HistogramBucketsConfig {
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly count: number | undefined;
}

export interface MetricsConfig {
  readonly prefix: string;
  /** Maximum series per metric family; 0 = no limit. */
  readonly seriesLimit: number;
  readonly labelValueMaxLength: number;
  /** Per-source limit of foreign exposition text, in UTF-8 bytes. */
  readonly foreignTextMaxBytes: number;
  /** Node runtime metrics under prom-client's names instead of the lint-clean ones. */
  readonly promClientNames: boolean;
  readonly histograms: {
    readonly requestDuration: HistogramBucketsConfig;
    readonly inputSequence: HistogramBucketsConfig;
    readonly outputSequence: HistogramBucketsConfig;
    readonly ttft: HistogramBucketsConfig;
    readonly itl: HistogramBucketsConfig;
  };
}

export interface LoggingConfig {
  /** The DYN_LOG directives; falls back to the file's `log_level`, then `info`. */
  readonly filter: string;
  /** `[log_filters]` of DYN_LOGGING_CONFIG_PATH (target → level). DYN_LOG wins for the same target. */
  readonly targetFilters: Readonly<Record<string, string>>;
  readonly configPath: string | undefined;
  readonly jsonl: boolean;
  readonly localTimezone: boolean;
  readonly spanEvents: boolean;
  readonly disableAnsi: boolean;
}

export interface OtlpExporterConfig {
  /** Full URL the exporter sends to (for http/protobuf it includes `/v1/traces` or `/v1/logs`). */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  /** Secret: never log the values. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: OtlpCompression;
}

export interface BatchProcessorConfig {
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

export interface TracingConfig {
  readonly sdkDisabled: boolean;
  /** OTEL_EXPORT_ENABLED: export traces and logs over OTLP (independent of DYN_LOGGING_JSONL). */
  readonly exportEnabled: boolean;
  /** OTEL_TRACES_EXPORTER: `none` keeps spans local even with export on. */
  readonly tracesExporter: SignalExporter;
  /** OTEL_LOGS_EXPORTER: `none` keeps log records out of OTLP even with export on. */
  readonly logsExporter: SignalExporter;
  readonly sampler: TraceSampler;
  /** Ratio for the `*traceidratio` samplers, 0..1. */
  readonly samplerRatio: number;
  readonly batch: BatchProcessorConfig;
  readonly traces: OtlpExporterConfig;
  readonly logs: OtlpExporterConfig;
}

export interface ShutdownConfig {
  /** True in a Kubernetes pod (KUBERNETES_SERVICE_HOST is set): decides the default drain delay. */
  readonly inKubernetes: boolean;
  readonly drainDelayMs: number;
  /** DYN_SHUTDOWN_TIMEOUT: after the drain, the budget of the in-flight wait and the telemetry flush. */
  readonly timeoutMs: number;
  readonly gracePeriodMs: number;
  /** Derived: 60 % of `timeoutMs`, how long in-flight requests may take after the drain. */
  readonly inFlightTimeoutMs: number;
  /** Derived: 10 % of `timeoutMs` (at least 1 ms), each shutdown hook's timeout. */
  readonly hookTimeoutMs: number;
  /** Derived: 90 % of `hookTimeoutMs` (at least 1 ms), what one flush inside a shutdown hook may take. */
  readonly flushBudgetMs: number;
}

/** Zero-code instrumentation on Node's diagnostics channels; each part can be turned off alone. */
export interface InstrumentationConfig {
  /** Incoming requests of every node:http server (`http.server.*` channels). */
  readonly httpServer: boolean;
  /** Outgoing node:http / node:https client requests (`http.client.*` channels). */
  readonly httpClient: boolean;
  /** Outgoing fetch() / undici requests (`undici:request:*` channels). */
  readonly fetch: boolean;
}

export interface DynotelConfig {
  readonly strict: boolean;
  readonly identity: IdentityConfig;
  readonly system: SystemServerConfig;
  readonly http: HttpServerConfig;
  readonly health: HealthConfig;
  readonly metrics: MetricsConfig;
  readonly logging: LoggingConfig;
  readonly tracing: TracingConfig;
  readonly shutdown: ShutdownConfig;
  readonly instrumentation: InstrumentationConfig;
  readonly privacy: PrivacyConfig;
  readonly cluster: ClusterConfig;
}

/** One /metrics and /health for a node:cluster service or a process with worker threads (docs/cluster.md). */
export interface ClusterConfig {
  /** DYN_CLUSTER_AGGREGATE: the primary (main thread) serves the aggregate of its workers. */
  readonly aggregate: boolean;
  /** DYN_CLUSTER_SCRAPE_TIMEOUT: how long a scrape waits for the workers' snapshots. */
  readonly scrapeTimeoutMs: number;
  /** DYN_CLUSTER_READY_SHARE: share of live workers that must be ready, 0..1. */
  readonly readyShare: number;
  /** DYN_CLUSTER_PRIMARY_PID: set by a dynotel primary for its workers. */
  readonly primaryPid: number | undefined;
}

/** What telemetry may record of a request. */
export interface PrivacyConfig {
  /** DYN_TELEMETRY_KEEP_URL_QUERY: keep query-string values (default false: `REDACTED`). */
  readonly keepUrlQuery: boolean;
}

/** Where a variable comes from: Dynamo defines it, the OpenTelemetry spec does, or dynotel adds it. */
export type EnvSource = 'dynamo' | 'otel' | 'dynotel' | 'kubernetes';

export type ConfigGroup =
  | 'general'
  | 'identity'
  | 'system'
  | 'http'
  | 'health'
  | 'metrics'
  | 'logging'
  | 'tracing'
  | 'shutdown'
  | 'instrumentation'
  | 'cluster';

export type EnvType =
  | 'bool-truthy'
  | 'bool-otel'
  | 'int'
  | 'port'
  | 'float'
  | 'duration-seconds'
  | 'duration-ms'
  | 'string'
  | 'host'
  | 'enum'
  | 'url'
  | 'url-path'
  | 'file-path'
  | 'json-array'
  | 'json-object-or-file'
  | 'key-value-list'
  | 'metric-prefix'
  | 'instance-id'
  | 'log-filter'
  | 'toml-file';

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason?: string };

export interface ParseContext {
  /** Reads a UTF-8 file (for `@file` payloads and the logging TOML); throws when it cannot. */
  readonly readFile: (path: string) => string;
}

export type Parser<T> = (raw: string, context: ParseContext) => ParseResult<T>;

/** One row of the environment table. `docs/configuration.md` is generated from these rows. */
export interface EnvVariable<T = unknown> {
  readonly name: string;
  readonly group: ConfigGroup;
  readonly type: EnvType;
  /** The default as documented (in the variable's own unit). */
  readonly default: string;
  /** What values are accepted, in words; quoted in warnings. */
  readonly accepted: string;
  readonly description: string;
  readonly source: EnvSource;
  /** The config keys (dotted paths) this variable sets. */
  readonly keys: readonly string[];
  /** The value must never be logged (headers carry tokens). */
  readonly secret: boolean;
  /** Read only to warn that it is ignored or replaced. */
  readonly deprecated: boolean;
  /** Parses a trimmed, non-blank value. */
  readonly parse: Parser<T>;
  /** The typed value used when the variable is unset or invalid. */
  readonly fallback: T;
}

export interface ConfigProblem {
  /** The variable name, or `overrides.<key>` for a bad value passed in code. */
  readonly variable: string;
  /** The value as given (`<redacted>` for secret variables). */
  readonly value: string;
  /** One sentence naming the variable, the value, the accepted form and the default used. */
  readonly message: string;
  readonly accepted: string;
  readonly defaultUsed: string;
  /** `invalid` values fail strict mode; `deprecated` variables only warn. */
  readonly kind: 'invalid' | 'deprecated';
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends Readonly<Record<string, string>>
      ? T[K]
      : T[K] extends object | undefined
        ? DeepPartial<NonNullable<T[K]>> | Extract<T[K], undefined>
        : T[K];
};

export interface ReadConfigOptions {
  /** Throw one error listing every problem instead of falling back (also DYN_CONFIG_STRICT). */
  readonly strict?: boolean;
  /** Values set in code; they win over the environment. Unknown keys throw ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION. */
  readonly overrides?: DeepPartial<DynotelConfig>;
  /** Reads `@file` payloads and the logging TOML; defaults to `fs.readFileSync(path, 'utf8')`. */
  readonly readFile?: (path: string) => string;
}

export interface ReadConfigResult {
  readonly config: DynotelConfig;
  readonly problems: readonly ConfigProblem[];
}
