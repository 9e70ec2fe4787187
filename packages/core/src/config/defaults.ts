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

/** What the telemetry resource is made of (core's `config.identity`, or a signal package's options). */
export interface ResourceIdentity {
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly namespace?: string | undefined;
  readonly component?: string | undefined;
  readonly instanceId?: string | undefined;
}

/**
 * The resource attributes of spans and OTLP log records alike: OTEL_RESOURCE_ATTRIBUTES, then the Dynamo
 * hierarchy (`dynamo.namespace`, `dynamo.component`, `service.instance.id`) and `service.name`, which win
 * over the same keys in the list (OTEL_SERVICE_NAME wins, as the OTel spec says). The one place the rule
 * lives; the tracing SDK adds its `telemetry.sdk.*` keys.
 */
export function telemetryResourceAttributes(identity: ResourceIdentity): Record<string, string> {
  const attributes: Record<string, string> = { ...identity.resourceAttributes };
  if (identity.namespace !== undefined) attributes['dynamo.namespace'] = identity.namespace;
  if (identity.component !== undefined) attributes['dynamo.component'] = identity.component;
  if (identity.instanceId !== undefined) attributes['service.instance.id'] = identity.instanceId;
  attributes['service.name'] = identity.serviceName;
  return attributes;
}
