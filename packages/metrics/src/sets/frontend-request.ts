import type { Counter, Gauge, GaugeChild, Histogram } from '../instruments/metrics.ts';
import type { Clock } from './clock.ts';
import { errorTypeFromHttpStatus, type FrontendErrorType, type FrontendStatus } from './frontend-labels.ts';
import { ResponseTracker, type ResponseTrackerMetrics } from './response-tracker.ts';

/** What a request needs of the frontend set (FrontendMetrics has it; declared here to keep imports one-way). */
export interface FrontendRequestMetrics extends ResponseTrackerMetrics {
  readonly clock: Clock;
  readonly requests: Counter;
  readonly requestDuration: Histogram;
  readonly inflightRequests: Gauge;
  readonly activeRequests: Gauge;
  readonly queuedRequests: Gauge;
  readonly disconnectedClients: Gauge;
  readonly modelCancellations: Counter;
  readonly modelRejections: Counter;
}

/**
 * One frontend HTTP request: Dynamo's `InflightGuard` (requests_total, duration, inflight/active) and
 * `HttpQueueGuard` (queued) in one object. Until marked otherwise a request ends as `status="error"`,
 * `error_type="internal"` — Dynamo's default, so a handler that forgets to mark success is visible.
 */
export class FrontendRequest {
  readonly model: string;
  readonly endpoint: string;
  readonly requestType: string;
  readonly #metrics: FrontendRequestMetrics;
  readonly #startedAt: number;
  readonly #inflight: GaugeChild;
  readonly #active: GaugeChild;
  readonly #queued: GaugeChild;
  #status: FrontendStatus = 'error';
  #errorType: FrontendErrorType = 'internal';
  #queuedHeld = true;
  #tracker: ResponseTracker | undefined;
  #ended = false;

  /** @internal Use FrontendMetrics.startRequest(). */
  constructor(metrics: FrontendRequestMetrics, model: string, endpoint: string, requestType: string) {
    this.#metrics = metrics;
    this.model = model;
    this.endpoint = endpoint;
    this.requestType = requestType;
    this.#startedAt = metrics.clock();
    this.#inflight = metrics.inflightRequests.labels(model);
    this.#active = metrics.activeRequests.labels(model);
    this.#queued = metrics.queuedRequests.labels(model);
    this.#inflight.inc();
    this.#active.inc();
    this.#queued.inc();
  }

  /** The request succeeded: `status="success"`, `error_type=""`. */
  markOk(): void {
    this.#status = 'success';
    this.#errorType = '';
  }

  /** The request failed with a classified error. */
  markError(errorType: Exclude<FrontendErrorType, ''>): void {
    this.#status = 'error';
    this.#errorType = errorType;
  }

  /** The request failed with this HTTP status (and message, for 400 `Validation:`). */
  markHttpError(status: number, message?: string): void {
    this.#status = 'error';
    this.#errorType = errorTypeFromHttpStatus(status, message);
  }

  /**
   * The response tracker of this request, created on the first call: its creation time is the TTFT start
   * (Dynamo creates the collector after the engine lookup). Its first token releases the queued slot.
   */
  responseTracker(): ResponseTracker {
    if (this.#tracker !== undefined) return this.#tracker;
    this.#tracker = new ResponseTracker(this.#metrics, this.model, {
      clock: this.#metrics.clock,
      onDequeue: () => this.#releaseQueue(),
    });
    return this.#tracker;
  }

  /**
   * The client went away unexpectedly: `disconnected_clients` +1 (a gauge Dynamo only ever increments),
   * `model_cancellation_total` +1, and the request ends as `error_type="cancelled"`.
   */
  clientDisconnected(): void {
    this.#metrics.disconnectedClients.inc();
    this.#metrics.modelCancellations.labels(this.model, this.endpoint, this.requestType).inc();
    this.markError('cancelled');
  }

  /** `generate()` failed with ResourceExhausted: `model_rejection_total` +1, ends as `overload`. */
  rejected(): void {
    this.#metrics.modelRejections.labels(this.model, this.endpoint).inc();
    this.markError('overload');
  }

  /**
   * Ends the request once: finishes the response tracker (OSL), releases the queued slot if no token came,
   * counts `requests_total` with the final status, observes the duration, and decrements inflight/active.
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#tracker?.finish();
    this.#releaseQueue();
    const m = this.#metrics;
    m.requests.labels(this.model, this.endpoint, this.requestType, this.#status, this.#errorType).inc();
    m.requestDuration.labels(this.model).observe((m.clock() - this.#startedAt) / 1000);
    this.#inflight.dec();
    this.#active.dec();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #releaseQueue(): void {
    if (!this.#queuedHeld) return;
    this.#queuedHeld = false;
    this.#queued.dec();
  }
}
