/**
 * The order of dynotel's own shutdown hooks (close the system server, flush spans, flush logs): after
 * every application hook of `telemetry.onShutdown()`, so what those log and trace is flushed too.
 * Their timeouts come from core's resolved config (`config.shutdown.hookTimeoutMs`, `flushBudgetMs`).
 */
export const TELEMETRY_HOOKS_ORDER = Number.MAX_SAFE_INTEGER;

/** Default timeout of an application hook of `telemetry.onShutdown()` (an API default, not a setting). */
export const APP_HOOK_TIMEOUT_MS = 5_000;
