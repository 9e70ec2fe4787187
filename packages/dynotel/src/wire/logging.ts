import { type DynotelConfig, diag, isDynotelError, telemetryResourceAttributes } from '@dynotel/core';
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
    const provider = otlpLoggerProvider(config);
    if (provider !== undefined) {
      otlp = { loggerProvider: provider };
      otlpShutdown = () => provider.shutdown();
    }
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

/**
 * The OTLP log provider; it loads the log export stack now (only a service that exports logs pays for
 * it). If that stack cannot be loaded (a broken install), the service runs on with its logs on the
 * destination only, and says so once: telemetry never stops the host from starting. A rejected option
 * (a bug: core validated the values) still throws, for init() to report.
 */
function otlpLoggerProvider(config: DynotelConfig): ReturnType<typeof createOtlpLoggerProvider> | undefined {
  const { identity, tracing } = config;
  try {
    return createOtlpLoggerProvider({
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
  } catch (error) {
    if (isDynotelError(error)) throw error;
    diag.error('dynotel', 'cannot load the OTLP log exporter; logs are not exported over OTLP', {
      error: String(error),
    });
    return undefined;
  }
}
