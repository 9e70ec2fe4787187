import type { Histogram, MetricsLevel } from '@dynotel/metrics';
import { HTTP_DURATION_BUCKETS } from '../http-metrics.ts';

/** Label names of `http_client_request_duration_seconds`, in order. */
export const HTTP_CLIENT_LABELS = [
  'http_request_method',
  'server_address',
  'server_port',
  'http_response_status_code',
  'error_type',
] as const;

/**
 * `http.client.request.duration` as Prometheus exposes it, with the OTel advised buckets and the
 * service's Dynamo auto-labels, without the `dynamo_component_` prefix (like the server histogram).
 * A label that does not apply (no status after a network error, no error) is the empty string, which
 * Prometheus treats as absent.
 */
export function createHttpClientMetrics(level: MetricsLevel): Histogram {
  return level.histogram({
    name: 'http_client_request_duration_seconds',
    help: 'Duration of outgoing HTTP requests, until the response headers arrive or the request fails.',
    labelNames: [...HTTP_CLIENT_LABELS],
    buckets: HTTP_DURATION_BUCKETS,
    prefix: false,
  });
}
