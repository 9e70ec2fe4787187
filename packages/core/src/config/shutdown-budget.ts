import type { ShutdownConfig } from './types.ts';

/** The shutdown settings read from the environment; the rest of `ShutdownConfig` is derived from them. */
export type ShutdownSettings = Pick<
  ShutdownConfig,
  'inKubernetes' | 'drainDelayMs' | 'timeoutMs' | 'gracePeriodMs'
>;

/** Config keys computed from `shutdown.timeoutMs`; set that instead (overrides of these are refused). */
export const DERIVED_SHUTDOWN_KEYS: ReadonlyMap<string, string> = new Map([
  ['shutdown.inFlightTimeoutMs', 'shutdown.timeoutMs'],
  ['shutdown.hookTimeoutMs', 'shutdown.timeoutMs'],
  ['shutdown.flushBudgetMs', 'shutdown.timeoutMs'],
]);

/**
 * How DYN_SHUTDOWN_TIMEOUT is shared out after the drain delay, the one place these fractions live:
 * - `inFlightTimeoutMs`, 60 %: in-flight requests may finish before their sockets are cut;
 * - `hookTimeoutMs`, 10 % (at least 1 ms): each shutdown hook's timeout (telemetry's own hooks: close the
 *   system server, flush spans, flush logs);
 * - `flushBudgetMs`, 90 % of a hook's timeout (at least 1 ms): what one flush inside a hook may take, so
 *   it ends (counting what it gives up on as dropped) before the coordinator moves on. A longer budget let
 *   the coordinator move on, or exit on a signal, with spans or log records neither delivered nor counted.
 * Derived again after code overrides, so an override of `shutdown.timeoutMs` moves them too.
 */
export function deriveShutdownBudget(settings: ShutdownSettings): ShutdownConfig {
  const hookTimeoutMs = Math.max(1, Math.round(settings.timeoutMs * 0.1));
  return {
    inKubernetes: settings.inKubernetes,
    drainDelayMs: settings.drainDelayMs,
    timeoutMs: settings.timeoutMs,
    gracePeriodMs: settings.gracePeriodMs,
    inFlightTimeoutMs: Math.round(settings.timeoutMs * 0.6),
    hookTimeoutMs,
    flushBudgetMs: Math.max(1, Math.floor(hookTimeoutMs * 0.9)),
  };
}
