import type { Gauge, Histogram, MetricsLevel } from '@dynotel/metrics';

/** The OTel semantic conventions' advised buckets for `http.server.request.duration` (seconds). */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/** Every request whose framework matched no route shares this one `http_route` value. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * HTTP RED metrics under their OTel semantic-convention names as Prometheus exposes them
 * (`http.server.request.duration` → `http_server_request_duration_seconds`), with the service's
 * Dynamo auto-labels and without the `dynamo_component_` prefix.
 */
export interface HttpMetrics {
  /** Labels: http_request_method, http_route, http_response_status_code. Its `_count` is the request rate. */
  readonly duration: Histogram;
  /** Labels: http_request_method. */
  readonly active: Gauge;
}

export function createHttpMetrics(level: MetricsLevel): HttpMetrics {
  return {
    duration: level.histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      prefix: false,
    }),
    active: level.gauge({
      name: 'http_server_active_requests',
      help: 'Number of active HTTP server requests.',
      labelNames: ['http_request_method'],
      prefix: false,
    }),
  };
}
