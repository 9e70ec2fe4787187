import { diag } from '@dynotel/core';
import { lateOptionTargetsOf } from './create-telemetry.ts';
import type { InitOptions } from './options.ts';
import type { Telemetry } from './telemetry.ts';

/** Options that can still change a handle that already exists: signal handling is installed apart. */
const APPLICABLE = new Set<keyof InitOptions>(['handleSignals', 'exitOnShutdown']);

/**
 * `init(options)` once a handle exists (made by `dynotel/register`, or an earlier `init()`): the
 * configuration, the identity, the logger's destination and the span pipeline were built from the
 * first call and are shared by everything that holds the handle, so options touching them cannot
 * apply; `handleSignals` and `exitOnShutdown` can, and do. One warning names every option that was
 * ignored (an identity shortcut equal to the value in force is not), so a setting never vanishes
 * silently. Returns the names of the options applied and ignored (tests).
 */
export function applyLateOptions(
  telemetry: Telemetry,
  options: InitOptions,
): { applied: string[]; ignored: string[] } {
  const applied: string[] = [];
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(options) as [keyof InitOptions, unknown][]) {
    if (value === undefined) continue;
    if (APPLICABLE.has(name)) applied.push(name);
    else if (!sameAsInForce(telemetry, name, value)) ignored.push(name);
  }
  const signals = lateOptionTargetsOf(telemetry)?.signals;
  if (signals !== undefined && applied.length > 0) {
    const handleSignals = options.handleSignals ?? signals.handleSignals;
    const exitOnShutdown =
      options.exitOnShutdown ??
      (options.handleSignals === undefined ? signals.exitOnShutdown : handleSignals);
    if (handleSignals !== signals.handleSignals || exitOnShutdown !== signals.exitOnShutdown) {
      signals.set(handleSignals, exitOnShutdown);
    }
  }
  if (ignored.length > 0) {
    diag.warn(
      'dynotel',
      `init() options ignored: telemetry was already initialised (by dynotel/register or an earlier init()), so ${ignored.join(', ')} cannot apply`,
      {
        ignored: ignored.join(','),
        ...(applied.length > 0 ? { applied: applied.join(',') } : {}),
        accepted:
          'with dynotel/register, set DYN_* and OTEL_* variables instead; only handleSignals and exitOnShutdown apply to an existing handle',
      },
    );
  }
  return { applied, ignored };
}

function sameAsInForce(telemetry: Telemetry, name: keyof InitOptions, value: unknown): boolean {
  const { identity } = telemetry.config;
  switch (name) {
    case 'serviceName':
      return value === identity.serviceName;
    case 'namespace':
      return value === identity.namespace;
    case 'component':
      return value === identity.component;
    default:
      return false;
  }
}
