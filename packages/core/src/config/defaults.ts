import { readConfig } from './read-config.ts';
import type { DynotelConfig } from './types.ts';

let defaults: DynotelConfig | undefined;

/**
 * The configuration with no variable set: every setting at the default the env table documents. For a
 * signal package used alone (without `init()`): its option defaults come from here, so a default is
 * written once, in the table, and `init()` (which passes every value resolved) and a package used alone
 * agree. Frozen; computed once.
 */
export function configDefaults(): DynotelConfig {
  defaults ??= readConfig({}).config;
  return defaults;
}

/**
 * `service.name`: the explicit name (OTEL_SERVICE_NAME), else `service.name` of the resource attributes
 * (OTEL_RESOURCE_ATTRIBUTES), else Dynamo's `dynamo`. The one place the rule lives.
 */
export function resolveServiceName(
  explicit: string | undefined,
  resourceAttributes: Readonly<Record<string, string>>,
): string {
  return explicit ?? resourceAttributes['service.name'] ?? 'dynamo';
}
