import { type ConfigProblem, type DynotelConfig, isDynotelError, readConfig } from '@dynotel/core';
import { createTelemetry, describeFailure, resolveConfig } from './create-telemetry.ts';
import { applyLateOptions } from './late-options.ts';
import type { InitOptions } from './options.ts';
import type { Telemetry } from './telemetry.ts';

const current = Symbol.for('dynotel.telemetry');
type Holder = { [current]?: Telemetry };

/**
 * Initialises telemetry from the environment (and `options`, which win) and returns the handle.
 * Idempotent: later calls (and a call after `dynotel/register`) return the first handle; of their
 * options, `handleSignals` and `exitOnShutdown` apply to it, and every other one is named in a warning
 * as ignored. Never throws and never exits the process — a
 * failure is logged and a working handle on defaults (export off) is returned — except in strict mode
 * (`strict: true` or DYN_CONFIG_STRICT), where an invalid setting throws one error listing them all.
 *
 * @example
 * ```ts
 * import { init } from 'dynotel';
 *
 * const telemetry = init({ serviceName: 'gateway' }); // DYN_* and OTEL_* from the environment; code wins
 * telemetry.logger.info({ port: 8000 }, 'starting');
 * await telemetry.shutdown();
 * ```
 */
export function init(options: InitOptions = {}): Telemetry {
  const holder = globalThis as Holder;
  const existing = holder[current];
  if (existing !== undefined) {
    applyLateOptions(existing, options);
    return existing;
  }
  let telemetry: Telemetry;
  let problems: readonly ConfigProblem[] = [];
  try {
    const resolved = resolveConfig(options);
    problems = resolved.problems;
    telemetry = createTelemetry(resolved.config, options, false, problems);
  } catch (error) {
    if (isDynotelError(error) && error.code === 'ERR_DYNOTEL_CONFIG_INVALID') throw error;
    describeFailure(error);
    // The problems too, if wiring failed before it could warn about them (each is warned once anyway).
    telemetry = createFallbackTelemetry(options, problems);
  }
  holder[current] = telemetry;
  return telemetry;
}

/**
 * A degraded handle: on the environment alone (the options in code may have been the problem), and if
 * wiring fails again on it (a value the config accepts but a package rejects), on the defaults — so
 * init() never throws outside strict mode.
 */
function createFallbackTelemetry(options: InitOptions, problems: readonly ConfigProblem[]): Telemetry {
  const fallbackOptions: InitOptions = { logDestination: 2, handleSignals: false };
  try {
    const fallback = fallbackConfig(options);
    return createTelemetry(fallback.config, fallbackOptions, true, [...problems, ...fallback.problems]);
  } catch (error) {
    describeFailure(error);
    return createTelemetry(readConfig({}).config, fallbackOptions, true, problems);
  }
}

/** The environment alone (the options in code were the problem), or the defaults if even that fails. */
function fallbackConfig(options: InitOptions): {
  config: DynotelConfig;
  problems: readonly ConfigProblem[];
} {
  try {
    return readConfig(options.env ?? process.env);
  } catch {
    return readConfig({});
  }
}

/** The handle of `init()`, or `undefined` before it ran. */
export function currentTelemetry(): Telemetry | undefined {
  return (globalThis as Holder)[current];
}

/** Forgets the handle (tests): shut it down first. */
export function resetTelemetryForTests(): void {
  delete (globalThis as Holder)[current];
}
