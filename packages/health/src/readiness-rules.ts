import type { HealthStatus } from '@dynotel/core';
import type { EndpointRegistry } from './endpoint-registry.ts';

/**
 * Dynamo's overall readiness rule (system_health.rs L122-161), before readiness checks and the
 * lifecycle phase: (1) when endpoints are listed, every listed endpoint must be ready; (2) else, when
 * canary targets exist, every target must be ready; (3) else the process-wide status decides.
 */
export function endpointsReady(endpoints: EndpointRegistry, processStatus: HealthStatus): boolean {
  if (endpoints.listed.size > 0) {
    for (const name of endpoints.listed) if (endpoints.get(name)?.status !== 'ready') return false;
    return true;
  }
  let targets = 0;
  for (const endpoint of endpoints.values()) {
    if (endpoint.canary === undefined) continue;
    targets++;
    if (endpoint.status !== 'ready') return false;
  }
  if (targets > 0) return true;
  return processStatus === 'ready';
}
