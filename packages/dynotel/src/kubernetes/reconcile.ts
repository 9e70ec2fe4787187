import { runWithRequestContext } from '@dynotel/core';
import { randomRequestUuid } from '@dynotel/core/internal';
import { type OperatorErrorType, operatorErrorType, type ReconcileResult } from '@dynotel/metrics';
import { withSpan } from '@dynotel/tracing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Telemetry } from '../telemetry.ts';
import { operatorDeps } from './operator-deps.ts';
import { requireFunction, requireResourceType } from './options.ts';

/** The object a reconcile is for: controller-runtime's `ctrl.Request`. */
export interface ReconcileRequest {
  /** Empty for a cluster-scoped resource. */
  readonly namespace: string;
  readonly name: string;
}

/** controller-runtime's `ctrl.Result`: ask to be run again (now, or after a delay). */
export interface ReconcileRequeue {
  readonly requeue?: boolean;
  readonly requeueAfterMs?: number;
}

/** What a reconcile function returns: nothing (done) or a requeue request. A failure throws. */
export type ReconcileReturn = ReconcileRequeue | undefined;

export type ReconcileFunction<R extends ReconcileRequest> = (
  request: R,
) => ReconcileReturn | Promise<ReconcileReturn>;

export interface ObserveReconcileOptions {
  /** The `resource_type` label: the resource's Kubernetes kind (`DynamoGraphDeployment`). */
  readonly resourceType: string;
  /** Default: the handle `init()` returns. */
  readonly telemetry?: Telemetry;
  /**
   * The `error_type` of a thrown error, when the service knows better than the Kubernetes API status
   * (return undefined to fall back to it). Default: Dynamo's `categorizeError` ({@link operatorErrorType}).
   */
  readonly classifyError?: (error: unknown) => OperatorErrorType | undefined;
}

/**
 * Wraps a reconcile function as Dynamo's `ObservedReconciler` does, and traces and logs each run like a
 * request. Per call:
 * - a root `reconcile` span (a reconcile starts a trace of its own, whatever context the watch loop is
 *   in) with `resource_type`, `k8s.namespace.name`, `k8s.object.name`, and the result;
 * - a fresh `request_id` in the request context, so every line the reconcile logs carries it with the
 *   span's trace_id/span_id;
 * - `dynamo_operator_reconcile_{duration_seconds,total}{result}`: `error` when it throws (and
 *   `reconcile_errors_total{error_type}` from the Kubernetes API status of the error: 404 not_found,
 *   409 conflict, 422 validation, …), else `requeue` when it returns `requeue: true` or a positive
 *   `requeueAfterMs`, else `success`;
 * - one log line `reconcile finished` (error level on failure).
 * The wrapped function returns what `reconcile` returned and rethrows what it threw: the caller's work
 * queue keeps its retry and backoff.
 */
export function observeReconcile<R extends ReconcileRequest>(
  options: ObserveReconcileOptions,
  reconcile: ReconcileFunction<R>,
): (request: R) => Promise<ReconcileReturn> {
  const resourceType = requireResourceType('observeReconcile', options?.resourceType);
  const classifyError = options.classifyError;
  requireFunction('observeReconcile', 'reconcile', reconcile);
  const deps = operatorDeps(options.telemetry);
  return function observedReconcile(request: R): Promise<ReconcileReturn> {
    const requestId = randomRequestUuid();
    return runWithRequestContext({ requestId }, () =>
      withSpan(
        'reconcile',
        async (span) => {
          const startedAt = performance.now();
          let errorType: OperatorErrorType | undefined;
          let returned: ReconcileReturn;
          let thrown: unknown;
          try {
            returned = (await reconcile(request)) ?? undefined;
          } catch (error) {
            thrown = error;
            errorType = classifyError?.(error) ?? operatorErrorType(error);
          }
          const durationSeconds = (performance.now() - startedAt) / 1000;
          const requeue =
            returned !== undefined &&
            (returned.requeue === true ||
              (returned.requeueAfterMs !== undefined && returned.requeueAfterMs > 0));
          const result: ReconcileResult = deps.metrics.recordReconcile({
            resourceType,
            namespace: request.namespace,
            durationSeconds,
            errorType,
            requeue,
          });
          span.setAttribute('reconcile.result', result);
          const fields: Record<string, unknown> = {
            resource_type: resourceType,
            namespace: request.namespace,
            name: request.name,
            result,
            duration_ms: Math.round(durationSeconds * 1e6) / 1e3,
          };
          if (errorType !== undefined) {
            span.setAttribute('error.type', errorType);
            fields.error_type = errorType;
            fields.error = thrown instanceof Error ? thrown.message : String(thrown);
            deps.logger.error(fields, 'reconcile finished');
            // withSpan records the exception and the ERROR status when this rethrows.
            throw thrown;
          }
          if (requeue && returned?.requeueAfterMs !== undefined)
            fields.requeue_after_ms = returned.requeueAfterMs;
          span.setStatus({ code: SpanStatusCode.OK });
          deps.logger.info(fields, 'reconcile finished');
          return returned;
        },
        {
          tracer: deps.tracer,
          root: true,
          kind: SpanKind.INTERNAL,
          attributes: {
            resource_type: resourceType,
            'k8s.namespace.name': request.namespace,
            'k8s.object.name': request.name,
            request_id: requestId,
          },
        },
      ),
    );
  };
}
