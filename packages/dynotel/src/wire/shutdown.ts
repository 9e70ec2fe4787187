import type { DynotelConfig } from '@dynotel/core';
import {
  createShutdownCoordinator,
  type HealthState,
  type ShutdownCoordinator,
  type ShutdownCoordinatorOptions,
} from '@dynotel/health';
import type { InitOptions } from '../options.ts';

/** Signal handling that can be switched after the handle exists (`init({ handleSignals })` after register). */
export interface SignalHandling {
  readonly handleSignals: boolean;
  readonly exitOnShutdown: boolean;
  set(handleSignals: boolean, exitOnShutdown: boolean): void;
}

/**
 * The coordinator's budget, exactly as core resolved it: DYN_SHUTDOWN_TIMEOUT covers both the in-flight
 * requests and the telemetry flush after the drain, and core's config holds how it is shared out.
 */
export function shutdownBudgetOf(
  config: DynotelConfig,
): Required<
  Pick<ShutdownCoordinatorOptions, 'drainDelayMs' | 'inFlightTimeoutMs' | 'hookTimeoutMs' | 'gracePeriodMs'>
> {
  const { drainDelayMs, inFlightTimeoutMs, hookTimeoutMs, gracePeriodMs } = config.shutdown;
  return { drainDelayMs, inFlightTimeoutMs, hookTimeoutMs, gracePeriodMs };
}

/**
 * `primaryDrains`: a cluster worker (a worker thread) is stopped by its primary (main thread) after the
 * primary's drain, so it does not drain again.
 */
export function wireShutdown(
  config: DynotelConfig,
  options: InitOptions,
  health: HealthState,
  primaryDrains = false,
): { coordinator: ShutdownCoordinator; signals: SignalHandling } {
  const budget = shutdownBudgetOf(config);
  const coordinator = createShutdownCoordinator({
    health,
    ...budget,
    drainDelayMs: primaryDrains ? 0 : budget.drainDelayMs,
  });
  let uninstall: (() => void) | undefined;
  const signals = {
    handleSignals: false,
    exitOnShutdown: false,
    set(handleSignals: boolean, exitOnShutdown: boolean) {
      uninstall?.();
      uninstall = undefined;
      signals.handleSignals = handleSignals;
      signals.exitOnShutdown = exitOnShutdown;
      if (handleSignals) uninstall = coordinator.install({ exitAfterSignal: exitOnShutdown });
    },
  };
  const handleSignals = options.handleSignals ?? true;
  signals.set(handleSignals, options.exitOnShutdown ?? handleSignals);
  return { coordinator, signals };
}
