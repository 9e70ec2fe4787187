import type { DynotelConfig } from '@dynotel/core';
import type { MetricsLevel } from '@dynotel/metrics';
import type { Tracing } from '@dynotel/tracing';
import { createHttpClientMetrics } from '../http/client/client-metrics.ts';
import {
  installOutgoingHttpInstrumentation,
  uninstallOutgoingHttpInstrumentation,
} from '../http/client/install.ts';

/**
 * Zero-code outgoing HTTP (DYN_INSTRUMENT_FETCH, DYN_INSTRUMENT_HTTP_CLIENT): a CLIENT span per call
 * when the SDK runs, the incoming trace passed through when it is disabled, `x-request-id` forwarded,
 * `http_client_request_duration_seconds` on the service's level. Returns the uninstall.
 */
export function wireOutgoingHttp(config: DynotelConfig, tracing: Tracing, service: MetricsLevel): () => void {
  const { httpClient, fetch } = config.instrumentation;
  if (!httpClient && !fetch) {
    // An earlier init() in this process may have installed it: both switches off means none.
    uninstallOutgoingHttpInstrumentation();
    return () => {};
  }
  return installOutgoingHttpInstrumentation({
    tracer: tracing.tracer,
    spans: !tracing.options.sdkDisabled,
    duration: createHttpClientMetrics(service),
    httpClient,
    fetch,
  });
}
