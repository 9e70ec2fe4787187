import type { Server } from 'node:http';
import {
  type ConfigProblem,
  type DynotelConfig,
  diag,
  readConfig,
  redactedConfigSummary,
  reportConfigProblems,
} from '@dynotel/core';
import {
  createHealthHandlers,
  createShutdownCoordinator,
  type MetricsScrape,
  type ShutdownCoordinator,
  type SystemServer,
  startSystemServer,
} from '@dynotel/health';
import { closeLogger, flushLogger, routeDiagnosticsToLogger } from '@dynotel/logging';
import { createComponentMetrics } from '@dynotel/metrics';
import { type ServedEndpoint, servedEndpoint } from './endpoint.ts';
import { HttpInstrumentation } from './http/instrumentation.ts';
import type { InitOptions } from './options.ts';
import type { ServeEndpointOptions, Telemetry } from './telemetry.ts';
import { wireHealth } from './wire/health.ts';
import { overridesFrom } from './wire/identity.ts';
import { wireLogging } from './wire/logging.ts';
import { wireMetrics } from './wire/metrics.ts';
import { flushBudgetMs, hookTimeoutMs } from './wire/shutdown-budget.ts';
import { wireTracing } from './wire/tracing.ts';

/**
 * Reads the configuration: strict mode throws; otherwise the problems come back with the configuration,
 * for `createTelemetry` to warn about once the service's logger exists.
 */
export function resolveConfig(options: InitOptions): {
  config: DynotelConfig;
  problems: readonly ConfigProblem[];
} {
  const overrides = overridesFrom(options);
  return readConfig(options.env ?? process.env, {
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    ...(overrides === undefined ? {} : { overrides }),
  });
}

/**
 * Wires every signal from one configuration, and warns about its `problems` (each once per process)
 * through the logger it made: JSONL like every other line of the service, not plain text on stderr
 * before the logger exists. Throws only on a bug or strict-mode problem; init() guards it.
 */
export function createTelemetry(
  config: DynotelConfig,
  options: InitOptions,
  degraded = false,
  problems: readonly ConfigProblem[] = [],
): Telemetry {
  const { logger, otlpShutdown } = wireLogging(config, options);
  const restoreDiagnostics = routeDiagnosticsToLogger(logger);
  reportConfigProblems(problems);
  const tracing = wireTracing(config, options);
  const metrics = wireMetrics(config);
  const health = wireHealth(config, metrics.root);
  // Streamed: a big scrape is encoded in chunks and written with backpressure, never held twice; gzip
  // when the scraper accepts it (Prometheus does).
  const scrape: MetricsScrape = (accept, acceptEncoding) => metrics.root.scrapeHttp(accept, acceptEncoding);
  const handlers = createHealthHandlers({
    health,
    metrics: scrape,
    metricsPath: config.http.metricsPath,
    healthPath: config.http.healthPath,
    livePath: config.http.livePath,
  });
  const http = new HttpInstrumentation({
    tracer: tracing.tracer,
    spans: !tracing.options.sdkDisabled,
    logger: logger.child({ target: 'http' }),
    metrics: metrics.http,
  });
  const dynotelLogger = logger.child({ target: 'dynotel' });

  const systemServer = startSystemServerIfOn(config, health, scrape).then(
    (server) => {
      if (server !== undefined) dynotelLogger.info({ url: server.url }, 'system status server listening');
      return server;
    },
    (error: unknown) => {
      dynotelLogger.error(
        { error: String(error) },
        'system status server failed to start; serving without it',
      );
      return undefined;
    },
  );
  const shutdown = wireShutdown(config, options, health);
  shutdown.addHook('system status server', async () => (await systemServer)?.close());
  shutdown.addHook('spans', () => tracing.shutdown(flushBudgetMs(config)));
  if (otlpShutdown !== undefined) shutdown.addHook('otlp logs', otlpShutdown);
  shutdown.addHook('health', () => health.close());
  // Flushed, not closed: the coordinator's own last line ('shutdown complete') still goes through the
  // logger, whose exit handler writes whatever is left synchronously if the process exits next.
  // Bounded like the span flush: with a stalled stdout the default 5 s flush outlived the hook timeout
  // and SIGTERM exited 1. What is still buffered is then written, or counted as exit_timeout, at exit.
  shutdown.addHook('logs', () => flushLogger(logger, flushBudgetMs(config)));
  void systemServer.then((server) => server !== undefined && shutdown.trackServer(server.server));

  const endpoints = new Map<string, ServedEndpoint>();
  const telemetry: Telemetry = {
    config,
    metrics: metrics.root,
    serviceMetrics: metrics.service,
    logger,
    tracer: tracing.tracer,
    tracing,
    health,
    handlers,
    http,
    systemServer,
    degraded,
    frontend: () => metrics.frontend(),
    endpoint(name: string, endpointOptions: ServeEndpointOptions = {}) {
      const existing = endpoints.get(name);
      if (existing !== undefined) return existing;
      const level = metrics.component().endpoint(name);
      const endpointMetrics = createComponentMetrics(level, {
        ...(endpointOptions.constLabels === undefined ? {} : { constLabels: endpointOptions.constLabels }),
      });
      const endpointHealth = health.registerEndpoint(
        name,
        endpointOptions.canary === undefined ? {} : { canary: endpointOptions.canary },
      );
      const served = servedEndpoint(name, level, endpointMetrics, endpointHealth);
      endpoints.set(name, served);
      return served;
    },
    trackServer: (server: Server) => shutdown.trackServer(server),
    shutdown: async (reason) => {
      const result = await shutdown.shutdown(reason);
      restoreDiagnostics();
      // The same bound as the logs hook: with a stalled destination the default 5 s made a programmatic
      // shutdown() outlast DYN_SHUTDOWN_TIMEOUT.
      await closeLogger(logger, flushBudgetMs(config));
      return result;
    },
  };
  dynotelLogger.info({ config: redactedConfigSummary(config) }, 'dynotel initialised');
  return telemetry;
}

function startSystemServerIfOn(
  config: DynotelConfig,
  health: Telemetry['health'],
  scrape: MetricsScrape,
): Promise<SystemServer | undefined> {
  if (config.system.port < 0) return Promise.resolve(undefined);
  return startSystemServer({
    health,
    metrics: scrape,
    host: config.system.host,
    port: config.system.port,
    healthPath: config.system.healthPath,
    livePath: config.system.livePath,
  });
}

function wireShutdown(
  config: DynotelConfig,
  options: InitOptions,
  health: Telemetry['health'],
): ShutdownCoordinator {
  const handleSignals = options.handleSignals ?? true;
  const { drainDelayMs, timeoutMs, gracePeriodMs } = config.shutdown;
  const coordinator = createShutdownCoordinator({
    health,
    drainDelayMs,
    // DYN_SHUTDOWN_TIMEOUT covers both the in-flight requests and the telemetry flush after the drain.
    inFlightTimeoutMs: Math.round(timeoutMs * 0.6),
    hookTimeoutMs: hookTimeoutMs(config),
    gracePeriodMs,
    exitOnComplete: options.exitOnShutdown ?? handleSignals,
  });
  if (handleSignals) coordinator.install();
  return coordinator;
}

/** The span flush's share of its hook timeout: the rest is margin for counting what was left. */

export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  diag.error('dynotel', 'initialisation failed; running with defaults and export off', { error: text });
  return text;
}
