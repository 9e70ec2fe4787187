import type { IdentityConfig, ServedEndpointIdentity, ShutdownConfig } from './types.ts';

/**
 * Values computed from other settings, in core only (the packages receive them resolved). They are
 * derived again after code overrides, so an override of what they come from moves them too; an override
 * of a derived key itself is refused (see `DERIVED_KEYS`).
 */

/** Derived config keys and the key to set instead. */
export const DERIVED_KEYS: ReadonlyMap<string, string> = new Map([
  ['shutdown.inFlightTimeoutMs', 'shutdown.timeoutMs'],
  ['shutdown.hookTimeoutMs', 'shutdown.timeoutMs'],
  ['shutdown.flushBudgetMs', 'shutdown.timeoutMs'],
  ['identity.served.namespace', 'identity.namespace'],
  ['identity.served.component', 'identity.component'],
  ['identity.served.endpoint', 'identity.endpoint'],
]);

/** The shutdown settings read from the environment; the rest of `ShutdownConfig` is derived from them. */
export type ShutdownSettings = Pick<
  ShutdownConfig,
  'inKubernetes' | 'drainDelayMs' | 'timeoutMs' | 'gracePeriodMs'
>;

/**
 * How DYN_SHUTDOWN_TIMEOUT is shared out after the drain delay, the one place these fractions live:
 * - `inFlightTimeoutMs`, 60 %: in-flight requests may finish before their sockets are cut;
 * - `hookTimeoutMs`, 10 % (at least 1 ms): each shutdown hook's timeout (telemetry's own hooks: close the
 *   system server, flush spans, flush logs);
 * - `flushBudgetMs`, 90 % of a hook's timeout (at least 1 ms): what one flush inside a hook may take, so
 *   it ends (counting what it gives up on as dropped) before the coordinator moves on. A longer budget let
 *   the coordinator move on, or exit on a signal, with spans or log records neither delivered nor counted.
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

/** Where a served Dynamo endpoint lives when the identity leaves a part unset: Dynamo's backend defaults. */
export const SERVED_ENDPOINT_DEFAULTS: ServedEndpointIdentity = {
  namespace: 'dynamo',
  component: 'backend',
  endpoint: 'generate',
};

/** `identity.served`: the namespace, component and endpoint name, each else Dynamo's default. */
export function deriveServedEndpoint(identity: Omit<IdentityConfig, 'served'>): ServedEndpointIdentity {
  return {
    namespace: identity.namespace ?? SERVED_ENDPOINT_DEFAULTS.namespace,
    component: identity.component ?? SERVED_ENDPOINT_DEFAULTS.component,
    endpoint: identity.endpoint ?? SERVED_ENDPOINT_DEFAULTS.endpoint,
  };
}

/** Derives every derived value of a config in place (after the overrides were applied). */
export function deriveConfig(config: Record<string, unknown>): void {
  const identity = config.identity as IdentityConfig;
  config.identity = { ...identity, served: deriveServedEndpoint(identity) };
  config.shutdown = deriveShutdownBudget(config.shutdown as ShutdownConfig);
}
