/**
 * The DynamoModel validating webhook: a base model is required, and it cannot change on update.
 * Denials carry a reason word, the `reason` label of `dynamo_operator_webhook_denials_total`.
 */
import type { AdmissionValidator } from 'dynotel/kubernetes';

export const WEBHOOK_PATH = '/validate-nvidia-com-v1alpha1-dynamomodel';

type Spec = { baseModelName?: unknown; replicas?: unknown };
const specOf = (object: Record<string, unknown> | null | undefined): Spec =>
  (object?.spec as Spec | undefined) ?? {};

export const validateDynamoModel: AdmissionValidator = (request) => {
  if (request.operation === 'DELETE' || request.operation === 'CONNECT') return { allowed: true };
  const spec = specOf(request.object);
  if (typeof spec.baseModelName !== 'string' || spec.baseModelName === '')
    return { allowed: false, message: 'spec.baseModelName is required', reason: 'invalid_config' };
  if (request.operation === 'UPDATE' && specOf(request.oldObject).baseModelName !== spec.baseModelName)
    return { allowed: false, message: 'spec.baseModelName is immutable', reason: 'immutable_field_changed' };
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || (spec.replicas as number) < 0))
    return {
      allowed: false,
      message: 'spec.replicas must be a non-negative integer',
      reason: 'invalid_config',
    };
  return { allowed: true };
};
