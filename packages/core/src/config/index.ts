// The configuration part of @dynotel/core: the env table, its reader and helpers around it.
export {
  configDefaults,
  type ResourceIdentity,
  resolveServiceName,
  telemetryResourceAttributes,
} from './defaults.ts';
export { ENV_TABLE } from './env-table/index.ts';
export {
  OTLP_COMPRESSIONS,
  OTLP_PROTOCOLS,
  SAMPLERS as TRACE_SAMPLERS,
} from './env-table/tracing.ts';
export { type LogDirective, type LogDirectiveLevel, parseLogDirective } from './log-directive.ts';
export {
  DEFAULT_OTLP_ENDPOINTS,
  type OtlpEndpointInput,
  type OtlpSignal,
  otlpSignalEndpoint,
} from './otlp-endpoint.ts';
export { readConfig } from './read-config.ts';
export { renderConfigurationDoc } from './render-doc.ts';
export { redactedConfigSummary, reportConfigProblems } from './summary.ts';
export type {
  BatchProcessorConfig,
  ClusterConfig,
  ConfigGroup,
  ConfigProblem,
  DeepPartial,
  DynotelConfig,
  EnvSource,
  EnvType,
  EnvVariable,
  HealthConfig,
  HealthStatus,
  HistogramBucketsConfig,
  HttpServerConfig,
  IdentityConfig,
  InstrumentationConfig,
  LoggingConfig,
  MetricsConfig,
  OtlpCompression,
  OtlpExporterConfig,
  OtlpProtocol,
  PrivacyConfig,
  ReadConfigOptions,
  ReadConfigResult,
  ServedEndpointIdentity,
  ShutdownConfig,
  SignalExporter,
  SystemServerConfig,
  TraceSampler,
  TracingConfig,
} from './types.ts';
