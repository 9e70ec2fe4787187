import type { CounterChild } from '../instruments/counter.ts';
import type { Counter, Gauge, Histogram } from '../instruments/metrics.ts';
import type { EndpointLevel, MetricsLevel } from '../registry/level.ts';
import { type Clock, monotonicClock } from './clock.ts';
import { registerUptimeMetric } from './uptime.ts';

/** `error_type` values of `dynamo_component_errors_total` (prometheus_names.rs L367-402). */
export const COMPONENT_ERROR_TYPES = [
  'deserialization',
  'invalid_message',
  'response_stream',
  'generate',
  'publish_response',
  'publish_final',
] as const;

export type ComponentErrorType = (typeof COMPONENT_ERROR_TYPES)[number];

/** Buckets of `dynamo_component_request_duration_seconds` (push_handler.rs L64-76). */
export const COMPONENT_REQUEST_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
]);

export interface ComponentMetricsOptions {
  /** Extra const labels on every metric, Dynamo's `metrics_labels` (e.g. `{ service: 'router' }`). */
  readonly constLabels?: Readonly<Record<string, string>>;
  /**
   * Also register `dynamo_component_uptime_seconds` on this level (Dynamo puts it on the runtime level,
   * so pass the root). Registered once per level however many endpoints pass it.
   */
  readonly uptimeLevel?: MetricsLevel;
  /** Monotonic clock in ms (tests). */
  readonly clock?: Clock;
}

/**
 * One request through a work handler, Dynamo's RAII guard: created at the start of `handle_payload`
 * (requests +1, inflight +1, request bytes), ended exactly once (duration observed, inflight −1), also on
 * an early error return.
 */
export class ComponentRequest {
  readonly #metrics: ComponentMetrics;
  readonly #startedAt: number;
  #ended = false;

  /** @internal Use ComponentMetrics.startRequest(). */
  constructor(metrics: ComponentMetrics, startedAt: number) {
    this.#metrics = metrics;
    this.#startedAt = startedAt;
  }

  /** Adds the size of one serialised response frame (including the final frame). */
  responseBytes(bytes: number): void {
    this.#metrics.responseBytes.inc(bytes);
  }

  /** Counts a failure at one of Dynamo's failure sites. */
  error(type: ComponentErrorType): void {
    this.#metrics.error(type);
  }

  /** The client stopped, killed or disconnected the stream. */
  cancelled(): void {
    this.#metrics.cancellations.inc();
  }

  /** Observes the duration and releases the inflight slot. Later calls do nothing. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#metrics.inflight.dec();
    this.#metrics.requestDuration.observe((this.#metrics.clock() - this.#startedAt) / 1000);
  }
}

/** The work-handler metric set of one endpoint (reference §2.6). */
export class ComponentMetrics {
  readonly requests: Counter;
  readonly requestDuration: Histogram;
  readonly inflight: Gauge;
  readonly requestBytes: Counter;
  readonly responseBytes: Counter;
  readonly errors: Counter;
  readonly cancellations: Counter;
  readonly uptime: Gauge | undefined;
  /** @internal */
  readonly clock: Clock;
  readonly #errorChildren = new Map<string, CounterChild>();

  /** @internal Use createComponentMetrics(). */
  constructor(level: EndpointLevel, options: ComponentMetricsOptions) {
    const constLabels = options.constLabels ?? {};
    this.clock = options.clock ?? monotonicClock;
    this.requests = level.counter({
      name: 'requests_total',
      help: 'Total number of requests processed by work handler',
      constLabels,
    });
    this.requestDuration = level.histogram({
      name: 'request_duration_seconds',
      help: 'Time spent processing requests by work handler',
      constLabels,
      buckets: COMPONENT_REQUEST_DURATION_BUCKETS,
    });
    this.inflight = level.gauge({
      name: 'inflight_requests',
      help: 'Number of requests currently being processed by work handler',
      constLabels,
    });
    this.requestBytes = level.counter({
      name: 'request_bytes_total',
      help: 'Total number of bytes received in requests by work handler',
      constLabels,
    });
    this.responseBytes = level.counter({
      name: 'response_bytes_total',
      help: 'Total number of bytes sent in responses by work handler',
      constLabels,
    });
    this.errors = level.counter({
      name: 'errors_total',
      help: 'Total number of errors in work handler processing',
      labelNames: ['error_type'],
      constLabels,
    });
    this.cancellations = level.counter({
      name: 'cancellation_total',
      help: 'Total number of requests cancelled by work handler',
      constLabels,
    });
    this.uptime =
      options.uptimeLevel === undefined
        ? undefined
        : registerUptimeMetric(options.uptimeLevel, { clock: this.clock });
  }

  /** Starts one request: requests +1, inflight +1, and the raw request payload size. */
  startRequest(requestBytes = 0): ComponentRequest {
    this.requests.inc();
    this.inflight.inc();
    if (requestBytes > 0) this.requestBytes.inc(requestBytes);
    return new ComponentRequest(this, this.clock());
  }

  /** Counts one error of the given type (cached child per type). */
  error(type: ComponentErrorType): void {
    let child = this.#errorChildren.get(type);
    if (child === undefined) {
      child = this.errors.labels(type);
      if (COMPONENT_ERROR_TYPES.includes(type)) this.#errorChildren.set(type, child);
    }
    child.inc();
  }
}

/**
 * Creates Dynamo's work-handler metrics on an endpoint level: `dynamo_component_requests_total`,
 * `_request_duration_seconds`, `_inflight_requests`, `_request_bytes_total`, `_response_bytes_total`,
 * `_errors_total{error_type}`, `_cancellation_total`, and with `uptimeLevel` `_uptime_seconds`. They carry
 * the endpoint's auto-labels plus `constLabels`. Calling it twice for the same endpoint returns metrics
 * backed by the same series.
 */
export function createComponentMetrics(
  endpoint: EndpointLevel,
  options: ComponentMetricsOptions = {},
): ComponentMetrics {
  return new ComponentMetrics(endpoint, options);
}
