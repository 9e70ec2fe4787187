import type { DeepPartial, DynotelConfig } from '@dynotel/core';
import type { InitOptions } from '../options.ts';

/** Folds the identity shortcuts of InitOptions into the config overrides (the shortcuts win). */
export function overridesFrom(options: InitOptions): DeepPartial<DynotelConfig> | undefined {
  const identity: Record<string, unknown> = {};
  if (options.namespace !== undefined) identity.namespace = options.namespace;
  if (options.component !== undefined) identity.component = options.component;
  if (options.serviceName !== undefined) identity.serviceName = options.serviceName;
  if (options.instanceId !== undefined) identity.instanceId = toHex(options.instanceId);
  if (Object.keys(identity).length === 0) return options.config;
  return { ...options.config, identity: { ...options.config?.identity, ...identity } };
}

function toHex(id: string | number | bigint): string {
  if (typeof id === 'string') return id.toLowerCase().replace(/^0x/, '');
  return BigInt(id).toString(16);
}
