import type { DynotelConfig } from '@dynotel/core';

/** Each shutdown hook's timeout: a tenth of DYN_SHUTDOWN_TIMEOUT. */
export function hookTimeoutMs(config: DynotelConfig): number {
  return Math.max(1, Math.round(config.shutdown.timeoutMs * 0.1));
}

/**
 * What a flush inside a shutdown hook may take: 90 % of the hook timeout, so it ends (counting what it
 * gives up on as dropped) before the coordinator moves on. A longer budget let the coordinator move on,
 * or exit on a signal, with spans or log records neither delivered nor counted, and made the hook time
 * out (SIGTERM exited 1).
 */
export function flushBudgetMs(config: DynotelConfig): number {
  return Math.max(1, Math.floor(hookTimeoutMs(config) * 0.9));
}

/**
 * The order of dynotel's own shutdown hooks (close the system server, flush spans, flush logs): after
 * every application hook of `telemetry.onShutdown()`, so what those log and trace is flushed too.
 */
export const TELEMETRY_HOOKS_ORDER = Number.MAX_SAFE_INTEGER;

/** Default timeout of an application hook of `telemetry.onShutdown()`. */
export const APP_HOOK_TIMEOUT_MS = 5_000;
