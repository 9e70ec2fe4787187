import { type DynotelConfig, telemetryResourceAttributes } from '@dynotel/core';
import {
  createLogger,
  createOtlpLoggerProvider,
  type DynotelLogger,
  type LoggerOptions,
} from '@dynotel/logging';
import type { InitOptions } from '../options.ts';

export interface WiredLogging {
  readonly logger: DynotelLogger;
  /** Flushes the OTLP log export, when there is one. */
  readonly otlpShutdown: (() => Promise<void>) | undefined;
}

/**
 * DYN_LOG directives with the TOML file's `[log_filters]` in front: later directives win, so DYN_LOG
 * beats the file for the same target, as Dynamo merges them.
 */
export function effectiveLogFilter(config: DynotelConfig): string {
  const fileDirectives = Object.entries(config.logging.targetFilters).map(
    ([target, level]) => `${target}=${level}`,
  );
  return [...fileDirectives, config.logging.filter].filter((d) => d !== '').join(',');
}

export function wireLogging(config: DynotelConfig, options: InitOptions): WiredLogging {
  const { logging, identity, tracing } = config;
  let otlpShutdown: WiredLogging['otlpShutdown'];
  let otlp: LoggerOptions['otlp'];
  if (tracing.exportEnabled && !tracing.sdkDisabled && tracing.logsExporter === 'otlp') {
    const provider = createOtlpLoggerProvider({
      endpoint: tracing.logs.endpoint,
      protocol: tracing.logs.protocol,
      headers: tracing.logs.headers,
      timeoutMs: tracing.logs.timeoutMs,
      // Ends inside the 'otlp logs' hook, counting what it gives up on: sdk-logs' own shutdown had no
      // bound, so a black-holed collector made the hook time out with records neither sent nor counted.
      shutdownTimeoutMs: config.shutdown.flushBudgetMs,
      serviceName: identity.serviceName,
      resourceAttributes: telemetryResourceAttributes(identity),
    });
    otlp = { loggerProvider: provider };
    otlpShutdown = () => provider.shutdown();
  }
  const base: Record<string, unknown> = {};
  if (identity.namespace !== undefined) base.namespace = identity.namespace;
  if (identity.component !== undefined) base.component = identity.component;
  const logger = createLogger({
    format: logging.jsonl ? 'jsonl' : 'readable',
    filter: effectiveLogFilter(config),
    localTimezone: logging.localTimezone,
    ansi: !logging.disableAnsi,
    base,
    keepUrlQuery: config.privacy.keepUrlQuery,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    ...(options.logRedact === undefined ? {} : { redact: options.logRedact }),
    ...(otlp === undefined ? {} : { otlp }),
  });
  return { logger, otlpShutdown };
}
