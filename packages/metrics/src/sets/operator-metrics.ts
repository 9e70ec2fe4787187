import type { Counter, Gauge, Histogram } from '../instruments/metrics.ts';
import type { MetricsLevel } from '../registry/level.ts';

/**
 * Dynamo's operator metrics (`deploy/operator/internal/observability/metrics.go`, reference §8.2): the
 * reconcile loops and admission webhooks of a Kubernetes controller. Names, help texts, label names,
 * label values and buckets are Dynamo's. Dynamo registers them in controller-runtime's registry without
 * const labels, so they carry no hierarchy labels (`dynamo_namespace`, `worker_id`, …): the scrape's
 * target labels (`job`, `instance`, `pod`) tell operator replicas apart.
 */

/** `result` of `dynamo_operator_reconcile_{total,duration_seconds}` (`RecordReconciliation`). */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/**
 * `error_type` of `dynamo_operator_reconcile_errors_total` and `reason` of
 * `dynamo_operator_webhook_denials_total`: Dynamo's `categorizeError`, in its order of checks.
 */
export const OPERATOR_ERROR_TYPES = [
  'not_found',
  'already_exists',
  'conflict',
  'validation',
  'bad_request',
  'unauthorized',
  'forbidden',
  'timeout',
  'server_timeout',
  'unavailable',
  'rate_limited',
  'internal',
] as const;
export type OperatorErrorType = (typeof OPERATOR_ERROR_TYPES)[number];

/** `operation` of the webhook metrics: the AdmissionReview `request.operation` (admission.k8s.io/v1). */
export const WEBHOOK_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type WebhookOperation = (typeof WEBHOOK_OPERATIONS)[number];

/** `result` of `dynamo_operator_webhook_requests_total` (`RecordWebhookAdmission`). */
export const WEBHOOK_RESULTS = ['allowed', 'denied'] as const;
export type WebhookResult = (typeof WEBHOOK_RESULTS)[number];

/** `status` Dynamo's resource counter uses for an object without `.status.state`. */
export const UNKNOWN_RESOURCE_STATUS = 'unknown';

/** Buckets of `dynamo_operator_reconcile_duration_seconds` (metrics.go). */
export const RECONCILE_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** Buckets of `dynamo_operator_webhook_duration_seconds` (metrics.go). */
export const WEBHOOK_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

export const OPERATOR_METRIC_PREFIX = 'dynamo_operator';

/** The outcome of one reconcile, as Dynamo's `ObservedReconciler` derives it. */
export interface ReconcileOutcome {
  readonly resourceType: string;
  readonly namespace: string;
  readonly durationSeconds: number;
  /** Set when the reconcile failed: wins over `requeue`, as in Dynamo. */
  readonly errorType?: OperatorErrorType | undefined;
  /** `Requeue` or `RequeueAfter > 0` without an error. */
  readonly requeue?: boolean | undefined;
}

/** The outcome of one admission review, as Dynamo's `ObservedValidator` records it. */
export interface AdmissionOutcome {
  readonly resourceType: string;
  readonly operation: string;
  readonly durationSeconds: number;
  readonly allowed: boolean;
  /**
   * The reason of a denial (ignored when allowed): an {@link OperatorErrorType} for a failed validator
   * (Dynamo's `categorizeError`) or a short snake_case word of the validator's own (Dynamo's docs show
   * `immutable_field_changed`, `invalid_config`). Default `internal`, as Dynamo categorises a plain error.
   */
  readonly reason?: string | undefined;
}

/** The operator metric set on one level (created with `prefix: false, autoLabels: false`). */
export class OperatorMetrics {
  readonly reconcileDuration: Histogram;
  readonly reconcileTotal: Counter;
  readonly reconcileErrors: Counter;
  readonly resourcesTotal: Gauge;
  readonly managedPodsTotal: Gauge;
  readonly webhookDuration: Histogram;
  readonly webhookRequestsTotal: Counter;
  readonly webhookDenialsTotal: Counter;

  /** @internal Use createOperatorMetrics(). */
  constructor(level: MetricsLevel) {
    const common = { prefix: false, autoLabels: false } as const;
    const name = (stem: string) => `${OPERATOR_METRIC_PREFIX}_${stem}`;
    this.reconcileDuration = level.histogram({
      ...common,
      name: name('reconcile_duration_seconds'),
      help: 'Duration of reconciliation loops in seconds',
      labelNames: ['resource_type', 'namespace', 'result'],
      buckets: RECONCILE_DURATION_BUCKETS,
    });
    this.reconcileTotal = level.counter({
      ...common,
      name: name('reconcile_total'),
      help: 'Total number of reconciliations by resource type',
      labelNames: ['resource_type', 'namespace', 'result'],
    });
    this.reconcileErrors = level.counter({
      ...common,
      name: name('reconcile_errors_total'),
      help: 'Total number of reconciliation errors by resource type and error type',
      labelNames: ['resource_type', 'namespace', 'error_type'],
    });
    this.resourcesTotal = level.gauge({
      ...common,
      name: name('resources_total'),
      help: 'Total number of resources by type and status',
      labelNames: ['resource_type', 'namespace', 'status'],
    });
    this.managedPodsTotal = level.gauge({
      ...common,
      name: name('managed_pods_total'),
      help: 'Total number of pods managed by the operator',
      labelNames: ['component_type', 'namespace'],
    });
    this.webhookDuration = level.histogram({
      ...common,
      name: name('webhook_duration_seconds'),
      help: 'Duration of webhook validation in seconds',
      labelNames: ['resource_type', 'operation'],
      buckets: WEBHOOK_DURATION_BUCKETS,
    });
    this.webhookRequestsTotal = level.counter({
      ...common,
      name: name('webhook_requests_total'),
      help: 'Total number of webhook admission requests',
      labelNames: ['resource_type', 'operation', 'result'],
    });
    this.webhookDenialsTotal = level.counter({
      ...common,
      name: name('webhook_denials_total'),
      help: 'Total number of webhook admission denials',
      labelNames: ['resource_type', 'operation', 'reason'],
    });
  }

  /**
   * Dynamo's `RecordReconciliation`: `result` is `error` when the reconcile failed (and
   * `reconcile_errors_total{error_type}` counts it), else `requeue` when it asked to be requeued, else
   * `success`; the duration and the total carry that result.
   */
  recordReconcile(outcome: ReconcileOutcome): ReconcileResult {
    const { resourceType, namespace, errorType } = outcome;
    let result: ReconcileResult = 'success';
    if (errorType !== undefined) {
      result = 'error';
      this.#inc(this.reconcileErrors, resourceType, namespace, errorType);
    } else if (outcome.requeue === true) {
      result = 'requeue';
    }
    this.reconcileDuration.labels(resourceType, namespace, result).observe(outcome.durationSeconds);
    this.#inc(this.reconcileTotal, resourceType, namespace, result);
    return result;
  }

  /**
   * Dynamo's `RecordWebhookAdmission` plus, for a denial, `RecordWebhookDenial`: the duration by
   * resource type and operation, the request by `result` allowed/denied, and the denial by `reason`
   * (`internal` when none is given, as Dynamo categorises a plain error).
   */
  recordAdmission(outcome: AdmissionOutcome): WebhookResult {
    const { resourceType, operation } = outcome;
    this.webhookDuration.labels(resourceType, operation).observe(outcome.durationSeconds);
    const result: WebhookResult = outcome.allowed ? 'allowed' : 'denied';
    this.#inc(this.webhookRequestsTotal, resourceType, operation, result);
    if (!outcome.allowed) {
      this.#inc(this.webhookDenialsTotal, resourceType, operation, outcome.reason ?? 'internal');
    }
    return result;
  }

  /** Dynamo's `UpdateResourceCount`. */
  setResourceCount(resourceType: string, namespace: string, status: string, count: number): void {
    this.resourcesTotal.labels(resourceType, namespace, status).set(count);
  }

  /** Dynamo's `UpdateManagedPodCount`. */
  setManagedPodCount(componentType: string, namespace: string, count: number): void {
    this.managedPodsTotal.labels(componentType, namespace).set(count);
  }

  /** `labels()` caches its children, so this allocates nothing after a label set's first use. */
  #inc(counter: Counter, a: string, b: string, c: string): void {
    counter.labels(a, b, c).inc();
  }
}

const perLevel = new WeakMap<MetricsLevel, OperatorMetrics>();

/**
 * Creates Dynamo's operator metrics on `level` (usually the root): `dynamo_operator_reconcile_*`,
 * `_resources_total`, `_managed_pods_total` and `_webhook_*`, without hierarchy labels. One set per level:
 * a second call returns the same object.
 */
export function createOperatorMetrics(level: MetricsLevel): OperatorMetrics {
  let metrics = perLevel.get(level);
  if (metrics === undefined) {
    metrics = new OperatorMetrics(level);
    perLevel.set(level, metrics);
  }
  return metrics;
}
