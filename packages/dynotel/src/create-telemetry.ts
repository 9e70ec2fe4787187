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
  createFrontendInstances,
  createHealthHandlers,
  endpointPath,
  type MetricsScrape,
  type SystemServer,
  startSystemServer,
} from '@dynotel/health';
import {
  closeLogger,
  createSpanEventsProcessor,
  flushLogger,
  routeDiagnosticsToLogger,
} from '@dynotel/logging';
import { createComponentMetrics } from '@dynotel/metrics';
import { scaleOutRole, servesSystemPort, wireScaleOut } from './cluster/role.ts';
import { type ServedEndpoint, servedEndpoint } from './endpoint.ts';
import { HttpInstrumentation } from './http/instrumentation.ts';
import { subscribeHttpServerChannels } from './http/server-channels.ts';
import type { InitOptions } from './options.ts';
import type { ServeEndpointOptions, Telemetry } from './telemetry.ts';
import { wireHealth } from './wire/health.ts';
import { overridesFrom } from './wire/identity.ts';
import { wireListenReadiness } from './wire/listen-readiness.ts';
import { wireLogging } from './wire/logging.ts';
import { wireMetrics } from './wire/metrics.ts';
import { wireOutgoingHttp } from './wire/outgoing-http.ts';
import { type SignalHandling, wireShutdown } from './wire/shutdown.ts';
import { APP_HOOK_TIMEOUT_MS, TELEMETRY_HOOKS_ORDER } from './wire/shutdown-budget.ts';
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
  // DYN_LOGGING_SPAN_EVENTS: Dynamo's SPAN_FIRST_ENTRY / SPAN_CLOSED lines, in JSONL mode only as in Dynamo.
  const spanEvents =
    config.logging.spanEvents && config.logging.jsonl ? [createSpanEventsProcessor(logger)] : [];
  const tracing = wireTracing(config, options, spanEvents as NonNullable<InitOptions['spanProcessors']>);
  const metrics = wireMetrics(config);
  const health = wireHealth(config, metrics.root);
  // Streamed: a big scrape is encoded in chunks and written with backpressure, never held twice; gzip
  // when the scraper accepts it (Prometheus does).
  const scrape: MetricsScrape = (accept, acceptEncoding) => metrics.root.scrapeHttp(accept, acceptEncoding);
  // The app port answers /health as Dynamo's frontend does (the system server keeps the worker shape).
  const instances = createFrontendInstances();
  const endpoints = new Map<string, ServedEndpoint>();
  const { served } = config.identity;
  const ownEndpointPaths = () =>
    [...endpoints.keys()].map((endpoint) =>
      endpointPath({ namespace: served.namespace, component: served.component, endpoint }),
    );
  const handlers = createHealthHandlers({
    health,
    frontend: { instances, ownEndpointPaths },
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
    keepUrlQuery: config.privacy.keepUrlQuery,
  });
  // Zero-code: every request of every node:http server, and every outgoing call, from Node's
  // diagnostics channels (no patching).
  const serverChannels = subscribeHttpServerChannels(http, config.instrumentation.httpServer);
  const uninstallOutgoingHttp = wireOutgoingHttp(config, tracing, metrics.service);
  const dynotelLogger = logger.child({ target: 'dynotel' });

  // A cluster worker or a worker thread answers its primary instead of binding DYN_SYSTEM_PORT.
  const role = scaleOutRole(config);
  const ownSystemServer = servesSystemPort(role)
    ? startSystemServerIfOn(config, health, scrape)
    : Promise.resolve(undefined);
  const systemServer = ownSystemServer.then(
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
  const { coordinator: shutdown, signals } = wireShutdown(
    config,
    options,
    health,
    role === 'cluster-worker' || role === 'thread',
  );
  const detachScaleOut = wireScaleOut(role, {
    config,
    root: metrics.root,
    health,
    shutdown,
    markReadyOnListen: options.markReadyOnListen ?? true,
  });
  // Telemetry's own hooks run last, after the application's (`onShutdown`), to flush what they wrote.
  const last = { order: TELEMETRY_HOOKS_ORDER };
  shutdown.addHook('system status server', async () => (await systemServer)?.close(), last);
  // After the drain: a request still in flight then is finished by its own 'close' listener anyway.
  shutdown.addHook('http server channels', () => serverChannels.close(), last);
  shutdown.addHook('spans', () => tracing.shutdown(config.shutdown.flushBudgetMs), last);
  if (otlpShutdown !== undefined) shutdown.addHook('otlp logs', otlpShutdown, last);
  shutdown.addHook('health', () => health.close(), last);
  // Flushed, not closed: the coordinator's own last line ('shutdown complete') still goes through the
  // logger, whose exit handler writes whatever is left synchronously if the process exits next.
  // Bounded like the span flush: with a stalled stdout the default 5 s flush outlived the hook timeout
  // and SIGTERM exited 1. What is still buffered is then written, or counted as exit_timeout, at exit.
  shutdown.addHook('logs', () => flushLogger(logger, config.shutdown.flushBudgetMs), last);
  void systemServer.then((server) => server !== undefined && shutdown.trackServer(server.server));
  // Ready once the service's own server listens, with no request needed (the system server is not it).
  const stopListenWatch = wireListenReadiness(health, options.markReadyOnListen ?? true, (server) =>
    shutdown.trackServer(server),
  );

  const telemetry: Telemetry = {
    config,
    metrics: metrics.root,
    serviceMetrics: metrics.service,
    logger,
    tracer: tracing.tracer,
    tracing,
    health,
    handlers,
    instances,
    http,
    systemServer,
    degraded,
    frontend: () => metrics.frontend(),
    frontendStages: () => metrics.frontendStages(),
    frontendWorkers: () => metrics.frontendWorkers(),
    workHandler: () => metrics.workHandler(),
    endpoint(name = served.endpoint, endpointOptions: ServeEndpointOptions = {}) {
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
    instrumentServer: (server: Server) => serverChannels.add(server),
    onShutdown: (name, hook, hookOptions = {}) =>
      shutdown.addHook(
        name,
        hook,
        // Anything but an object goes through as given, for the coordinator's coded error.
        typeof hookOptions === 'object' && hookOptions !== null
          ? { timeoutMs: hookOptions.timeoutMs ?? APP_HOOK_TIMEOUT_MS, order: hookOptions.order ?? 0 }
          : hookOptions,
      ),
    shutdown: async (reason) => {
      const result = await shutdown.shutdown(reason);
      uninstallOutgoingHttp();
      stopListenWatch();
      detachScaleOut();
      restoreDiagnostics();
      // The same bound as the logs hook: with a stalled destination the default 5 s made a programmatic
      // shutdown() outlast DYN_SHUTDOWN_TIMEOUT.
      await closeLogger(logger, config.shutdown.flushBudgetMs);
      return result;
    },
  };
  lateOptionTargets.set(telemetry, { signals });
  dynotelLogger.info({ config: redactedConfigSummary(config) }, 'dynotel initialised');
  return telemetry;
}

/** What options given to a later `init()` can still change on a handle (see init.ts). */
export interface LateOptionTargets {
  readonly signals: SignalHandling;
}

const lateOptionTargets = new WeakMap<Telemetry, LateOptionTargets>();

export function lateOptionTargetsOf(telemetry: Telemetry): LateOptionTargets | undefined {
  return lateOptionTargets.get(telemetry);
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

export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  diag.error('dynotel', 'initialisation failed; running with defaults and export off', { error: text });
  return text;
}
