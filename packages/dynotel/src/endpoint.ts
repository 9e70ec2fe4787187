import type { EndpointHealth } from '@dynotel/health';
import type { ComponentMetrics, ComponentRequest, EndpointLevel } from '@dynotel/metrics';

/** A Dynamo endpoint this process serves: its work-handler metrics and its readiness. */
export interface ServedEndpoint {
  readonly name: string;
  /** The endpoint's metrics level: metrics created here carry all three hierarchy labels. */
  readonly level: EndpointLevel;
  /** Dynamo's `dynamo_component_*` work-handler metrics of this endpoint. */
  readonly metrics: ComponentMetrics;
  readonly health: EndpointHealth;
  /**
   * Runs one request through the endpoint: requests/inflight/duration recorded as Dynamo's guard does,
   * a thrown error counted as `error_type="generate"`, and a success resets the canary's idle timer.
   */
  handle<T>(requestBytes: number, fn: (request: ComponentRequest) => T | Promise<T>): Promise<T>;
}

export function servedEndpoint(
  name: string,
  level: EndpointLevel,
  metrics: ComponentMetrics,
  health: EndpointHealth,
): ServedEndpoint {
  return {
    name,
    level,
    metrics,
    health,
    async handle(requestBytes, fn) {
      const request = metrics.startRequest(requestBytes);
      try {
        const result = await fn(request);
        health.requestSucceeded();
        return result;
      } catch (error) {
        request.error('generate');
        throw error;
      } finally {
        request.end();
      }
    },
  };
}
