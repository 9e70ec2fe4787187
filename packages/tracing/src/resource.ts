import { telemetryResourceAttributes } from '@dynotel/core';
import { SDK_INFO } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ResolvedTracingOptions } from './options.ts';

/** Resource attribute keys for Dynamo's hierarchy (Dynamo itself exports only `service.name`). */
export const RESOURCE_DYNAMO_NAMESPACE = 'dynamo.namespace';
export const RESOURCE_DYNAMO_COMPONENT = 'dynamo.component';

/**
 * The resource of every exported span: OTEL_RESOURCE_ATTRIBUTES, then the SDK attributes, the Dynamo
 * namespace/component/instance and `service.name` (OTEL_SERVICE_NAME wins over the attribute list, as the
 * OTel spec says). No detectors run: nothing is read from the environment or the host implicitly.
 */
export function createResource(options: ResolvedTracingOptions): Resource {
  const sdk: Record<string, string> = {};
  for (const [key, value] of Object.entries(SDK_INFO)) sdk[key] = String(value);
  // core's rule (shared with OTLP log records), then the SDK's keys over the list's.
  const attributes = telemetryResourceAttributes({
    serviceName: options.serviceName,
    resourceAttributes: { ...options.resourceAttributes, ...sdk },
    namespace: options.namespace,
    component: options.component,
    instanceId: options.instance,
  });
  return resourceFromAttributes(attributes);
}
