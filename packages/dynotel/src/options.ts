import type { Writable } from 'node:stream';
import type { DeepPartial, DynotelConfig } from '@dynotel/core';
import type { LoggerOptions } from '@dynotel/logging';
import type { TracingOptions } from '@dynotel/tracing';

/** Options of `init()`. Everything set here wins over the environment. */
export interface InitOptions {
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Settings in code, in the shape of the configuration (`{ system: { port: 8081 } }`). */
  readonly config?: DeepPartial<DynotelConfig>;
  /** Throw one error listing every invalid setting instead of falling back (also DYN_CONFIG_STRICT). */
  readonly strict?: boolean;
  /** Shortcuts for `config.identity.*`: the Dynamo namespace and component every signal carries. */
  readonly namespace?: string;
  readonly component?: string;
  /** `service.name` of spans and logs (OTEL_SERVICE_NAME). */
  readonly serviceName?: string;
  /** The instance (worker) id: the `worker_id` label, printed in lowercase hex. */
  readonly instanceId?: string | number | bigint;
  /**
   * Run the graceful-shutdown sequence on SIGTERM and SIGINT. Default true. Applies also when given to
   * a later `init()` (after `dynotel/register`).
   */
  readonly handleSignals?: boolean;
  /**
   * Exit once the sequence that a signal started has finished (exit code 0 clean, 1 when a hook failed
   * or requests were cut) — unless the application listens to that signal itself: then its listener
   * owns the exit and dynotel only sets `process.exitCode` (and exits as a last resort at the grace
   * period if the process is still alive). Default true when `handleSignals` is on: installing a
   * SIGTERM handler removes Node's own exit, and a pod that ignores SIGTERM waits for SIGKILL.
   * `telemetry.shutdown()` never exits. Applies also when given to a later `init()`.
   */
  readonly exitOnShutdown?: boolean;
  /**
   * Set the process status `ready` once a server of the service listens (node:http, Express, Fastify;
   * not the system status server), with no request needed. A service that warms up first sets false and
   * calls `telemetry.health.setProcessStatus('ready')` itself. Default true. See docs/readiness.md.
   */
  readonly markReadyOnListen?: boolean;
  /** Where log lines go: a file descriptor or a stream. Default stdout. */
  readonly logDestination?: number | Writable;
  /**
   * pino's `redact` for every log line and OTLP log record: paths whose values become `[Redacted]` (or
   * the `censor`; removed with `remove: true`), e.g. `['req.headers.authorization', '*.password']`.
   */
  readonly logRedact?: NonNullable<LoggerOptions['redact']>;
  /** Export spans here instead of OTLP (tests, custom backends). */
  readonly spanExporter?: NonNullable<TracingOptions['exporter']>;
  /** Extra span processors (e.g. the span collector of `@dynotel/tracing/testing`). */
  readonly spanProcessors?: NonNullable<TracingOptions['spanProcessors']>;
}
