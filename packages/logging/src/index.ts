// @dynotel/logging public API. Everything exported here is listed by name.

export { routeDiagnosticsToLogger } from './diag-sink.ts';
export { type LoggingErrorCode, loggingErrors } from './errors.ts';
export type { DynamoLevelName, FilterLevel } from './filter/levels.ts';
export {
  type LogFilter,
  levelForTarget,
  parseLogFilter,
  type TargetDirective,
} from './filter/parse-filter.ts';
export type { RedactOption } from './format/redaction.ts';
export {
  closeLogger,
  createLogger,
  type DynotelLogger,
  flushLogger,
  type LoggerOptions,
  levelForLoggerTarget,
  logWithCorrelation,
} from './logger.ts';
export { createOtlpLoggerProvider, type OtlpLoggerProviderOptions } from './otlp/provider.ts';
export { createSpanEventsProcessor, type SpanEventsProcessor } from './span-events.ts';
