import { describe, expect, it } from 'vitest';
import {
  createMetricsRoot,
  createOperatorMetrics,
  OPERATOR_ERROR_TYPES,
  operatorErrorType,
  RECONCILE_DURATION_BUCKETS,
  WEBHOOK_DURATION_BUCKETS,
} from '../src/index.ts';
import { scrapeParsed } from './sets-helpers.ts';

function setup() {
  const root = createMetricsRoot({ workerId: 0x694d98147d54be25n });
  return { root, metrics: createOperatorMetrics(root) };
}

describe("createOperatorMetrics: Dynamo's operator set (reference §8.2)", () => {
  it("exposes Dynamo's names, types and label names, without hierarchy labels", async () => {
    const { root, metrics } = setup();
    metrics.recordReconcile({ resourceType: 'DynamoModel', namespace: 'ns', durationSeconds: 0.02 });
    metrics.recordReconcile({
      resourceType: 'DynamoModel',
      namespace: 'ns',
      durationSeconds: 0.02,
      errorType: 'conflict',
    });
    metrics.setResourceCount('DynamoModel', 'ns', 'ready', 2);
    metrics.setManagedPodCount('worker', 'ns', 3);
    metrics.recordAdmission({
      resourceType: 'DynamoModel',
      operation: 'CREATE',
      durationSeconds: 0.002,
      allowed: false,
      reason: 'validation',
    });
    const s = await scrapeParsed(root);
    const families = Object.fromEntries(
      s.families.filter((f) => f.name.startsWith('dynamo_operator_')).map((f) => [f.name, f.type]),
    );
    expect(families).toEqual({
      dynamo_operator_reconcile_duration_seconds: 'histogram',
      dynamo_operator_reconcile_total: 'counter',
      dynamo_operator_reconcile_errors_total: 'counter',
      dynamo_operator_resources_total: 'gauge',
      dynamo_operator_managed_pods_total: 'gauge',
      dynamo_operator_webhook_duration_seconds: 'histogram',
      dynamo_operator_webhook_requests_total: 'counter',
      dynamo_operator_webhook_denials_total: 'counter',
    });
    expect(
      s.value('dynamo_operator_reconcile_errors_total', {
        resource_type: 'DynamoModel',
        namespace: 'ns',
        error_type: 'conflict',
      }),
    ).toBe(1);
    expect(
      s.value('dynamo_operator_resources_total', {
        resource_type: 'DynamoModel',
        namespace: 'ns',
        status: 'ready',
      }),
    ).toBe(2);
    expect(s.value('dynamo_operator_managed_pods_total', { component_type: 'worker', namespace: 'ns' })).toBe(
      3,
    );
    expect(s.body).not.toContain('worker_id');
    expect(s.body).toContain(
      '# HELP dynamo_operator_reconcile_total Total number of reconciliations by resource type',
    );
  });

  it("uses Dynamo's buckets", async () => {
    const { root, metrics } = setup();
    metrics.recordReconcile({ resourceType: 'R', namespace: 'n', durationSeconds: 1 });
    metrics.recordAdmission({ resourceType: 'R', operation: 'UPDATE', durationSeconds: 1, allowed: true });
    const s = await scrapeParsed(root);
    const bounds = (name: string) =>
      s
        .samples(name)
        .map((sample) => sample.labels.le)
        .filter((le) => le !== '+Inf')
        .map(Number);
    expect(bounds('dynamo_operator_reconcile_duration_seconds_bucket')).toEqual([
      ...RECONCILE_DURATION_BUCKETS,
    ]);
    expect(RECONCILE_DURATION_BUCKETS).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]);
    expect(bounds('dynamo_operator_webhook_duration_seconds_bucket')).toEqual([...WEBHOOK_DURATION_BUCKETS]);
    expect(WEBHOOK_DURATION_BUCKETS).toEqual([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  });

  it('derives result success / error / requeue as RecordReconciliation does (an error wins over requeue)', async () => {
    const { root, metrics } = setup();
    const base = { resourceType: 'DynamoGraphDeployment', namespace: 'prod', durationSeconds: 0.1 };
    expect(metrics.recordReconcile(base)).toBe('success');
    expect(metrics.recordReconcile({ ...base, requeue: true })).toBe('requeue');
    expect(metrics.recordReconcile({ ...base, requeue: true, errorType: 'not_found' })).toBe('error');
    const s = await scrapeParsed(root);
    for (const result of ['success', 'requeue', 'error']) {
      const labels = { resource_type: 'DynamoGraphDeployment', namespace: 'prod', result };
      expect(s.value('dynamo_operator_reconcile_total', labels)).toBe(1);
      expect(s.value('dynamo_operator_reconcile_duration_seconds_count', labels)).toBe(1);
    }
    expect(s.samples('dynamo_operator_reconcile_errors_total')).toEqual([
      {
        labels: { resource_type: 'DynamoGraphDeployment', namespace: 'prod', error_type: 'not_found' },
        value: 1,
      },
    ]);
  });

  it('counts admissions allowed/denied and denials by reason (internal when none is given)', async () => {
    const { root, metrics } = setup();
    const base = { resourceType: 'DynamoModel', operation: 'CREATE', durationSeconds: 0.003 };
    expect(metrics.recordAdmission({ ...base, allowed: true })).toBe('allowed');
    expect(metrics.recordAdmission({ ...base, allowed: false, reason: 'immutable_field_changed' })).toBe(
      'denied',
    );
    metrics.recordAdmission({ ...base, allowed: false });
    const s = await scrapeParsed(root);
    expect(
      s.value('dynamo_operator_webhook_requests_total', {
        resource_type: 'DynamoModel',
        operation: 'CREATE',
        result: 'allowed',
      }),
    ).toBe(1);
    expect(
      s.value('dynamo_operator_webhook_requests_total', {
        resource_type: 'DynamoModel',
        operation: 'CREATE',
        result: 'denied',
      }),
    ).toBe(2);
    expect(
      s.value('dynamo_operator_webhook_duration_seconds_count', {
        resource_type: 'DynamoModel',
        operation: 'CREATE',
      }),
    ).toBe(3);
    expect(
      s
        .samples('dynamo_operator_webhook_denials_total')
        .map((x) => x.labels.reason)
        .sort(),
    ).toEqual(['immutable_field_changed', 'internal']);
  });

  it('returns the same set for the same level', () => {
    const { root, metrics } = setup();
    expect(createOperatorMetrics(root)).toBe(metrics);
  });
});

describe("operatorErrorType: Dynamo's categorizeError", () => {
  const status = (reason: string, code: number) => ({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason,
    code,
  });

  it.each([
    [404, 'not_found'],
    [409, 'conflict'],
    [422, 'validation'],
    [400, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [504, 'timeout'],
    [503, 'unavailable'],
    [429, 'rate_limited'],
    [500, 'internal'],
  ] as const)('HTTP %i without a known reason is %s', (code, type) => {
    // @kubernetes/client-node 1.x ApiException: numeric code, body as JSON text.
    const apiException = Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: '{"message":"x"}' });
    expect(operatorErrorType(apiException)).toBe(type);
    // 0.x HttpError: statusCode and a parsed body.
    expect(operatorErrorType(Object.assign(new Error('x'), { statusCode: code, body: {} }))).toBe(type);
  });

  it('decides by the status reason first, in Dynamo order', () => {
    expect(operatorErrorType(status('AlreadyExists', 409))).toBe('already_exists');
    expect(operatorErrorType(status('Conflict', 409))).toBe('conflict');
    expect(operatorErrorType(status('ServerTimeout', 500))).toBe('server_timeout');
    expect(operatorErrorType(status('Invalid', 422))).toBe('validation');
    // A known reason that no check names: the code is not consulted (apimachinery's knownReasons).
    expect(operatorErrorType(status('Gone', 404))).toBe('internal');
    // An unknown reason falls back to the code.
    expect(operatorErrorType(status('SomethingNew', 404))).toBe('not_found');
    expect(
      operatorErrorType(
        Object.assign(new Error('x'), { code: 409, body: JSON.stringify(status('AlreadyExists', 409)) }),
      ),
    ).toBe('already_exists');
  });

  it('follows the cause chain and treats errors without an API status as internal', () => {
    const apiError = Object.assign(new Error('not found'), { statusCode: 404 });
    expect(operatorErrorType(new Error('reconcile failed', { cause: apiError }))).toBe('not_found');
    expect(operatorErrorType(new Error('boom'))).toBe('internal');
    expect(operatorErrorType(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('internal');
    expect(operatorErrorType('a string')).toBe('internal');
    expect(operatorErrorType(undefined)).toBe('internal');
  });

  it('only returns documented error types', () => {
    for (const code of [400, 401, 403, 404, 409, 422, 429, 500, 503, 504])
      expect(OPERATOR_ERROR_TYPES).toContain(operatorErrorType({ statusCode: code }));
  });
});
