/**
 * `dynotel/kubernetes`: Dynamo's operator metrics for Kubernetes controllers and admission webhooks
 * written in TypeScript. `observeReconcile` wraps a reconcile function, `ResourceInventory` keeps the
 * resource gauges from a list/watch, and the admission adapters (Express, Fastify, node:http) answer
 * `AdmissionReview`s, each recorded, traced and logged like a request.
 */

export {
  OPERATOR_ERROR_TYPES,
  type OperatorErrorType,
  type OperatorMetrics,
  operatorErrorType,
  RECONCILE_RESULTS,
  WEBHOOK_OPERATIONS,
} from '@dynotel/metrics';
export type { ServedEndpoint } from './endpoint.ts';
export {
  ADMISSION_API_VERSION,
  ADMISSION_OPERATIONS,
  type AdmissionOperation,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReview,
  type AdmissionReviewResponse,
  type AdmissionStatus,
  admissionReviewResponse,
  type GroupVersionKind,
  type GroupVersionResource,
  type ParsedAdmissionReview,
  parseAdmissionReview,
} from './kubernetes/admission-review.ts';
export {
  ADMISSION_REJECT_REASONS,
  type AdmissionDecision,
  type AdmissionHttpAnswer,
  type AdmissionRejectReason,
  type AdmissionValidator,
  AdmissionWebhook,
  type AdmissionWebhookOptions,
  admissionRequestListener,
  createAdmissionWebhook,
  DEFAULT_ADMISSION_BODY_LIMIT,
  sendAdmissionAnswer,
} from './kubernetes/admission-webhook.ts';
export { expressAdmissionWebhook } from './kubernetes/express-admission.ts';
export {
  type FastifyAdmissionWebhookOptions,
  fastifyAdmissionWebhook,
} from './kubernetes/fastify-admission.ts';
export { type OperatorDeps, operatorDeps } from './kubernetes/operator-deps.ts';
export {
  type ObserveReconcileOptions,
  observeReconcile,
  type ReconcileFunction,
  type ReconcileRequest,
  type ReconcileRequeue,
  type ReconcileReturn,
} from './kubernetes/reconcile.ts';
export {
  type InventoryObject,
  ResourceInventory,
  type ResourceInventoryOptions,
  type WatchEvent,
} from './kubernetes/resource-inventory.ts';
export type { ServeEndpointOptions, Telemetry } from './telemetry.ts';
