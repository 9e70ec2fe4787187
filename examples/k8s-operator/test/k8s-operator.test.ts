/**
 * The example operator as a real child process against a fake Kubernetes API server on 127.0.0.1:
 * the controller lists, watches and reconciles DynamoModels (successes, requeues, and 404 / 409 / 422
 * failures retried with backoff), the inventory follows the objects' states, and the validating webhook
 * answers real AdmissionReviews, all in Dynamo's dynamo_operator_* metrics, with a log line per reconcile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { admit, eventually, type RunningOperator, review, sample, startOperator } from './scenario.ts';

const RT = { resource_type: 'DynamoModel' };

describe('examples/k8s-operator', () => {
  let running: RunningOperator | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('reconciles watched objects and records results, error types and the inventory', async () => {
    running = await startOperator();
    const { api, url, operator } = running;
    // Objects that exist before the controller lists.
    api.put('team-a', 'llama', { baseModelName: 'meta-llama/Llama-3-8B' });
    api.put('team-a', 'broken', {});
    await eventually(
      'the list to be reconciled',
      () =>
        Promise.all([api.get('team-a', 'llama')?.status?.state, api.get('team-a', 'broken')?.status?.state]),
      ([llama, broken]) => llama === 'ready' && broken === 'failed',
    );
    // pending first (requeued), then ready.
    expect(
      await sample(url, 'dynamo_operator_reconcile_total', { ...RT, namespace: 'team-a', result: 'requeue' }),
    ).toBe(1);

    // Created while watching; its first status update hits a 409 Conflict and its next GET a 422.
    api.fail('team-b', 'contended', 'PUT', 409);
    api.fail('team-b', 'contended', 'GET', 422);
    api.put('team-b', 'contended', { baseModelName: 'mistral' });
    // Deleted between the event and the reconcile: the GET answers 404.
    api.fail('team-b', 'gone', 'GET', 404);
    api.put('team-b', 'gone', { baseModelName: 'qwen' });
    await eventually(
      'contended to be ready after retries',
      async () => api.get('team-b', 'contended')?.status?.state,
      (s) => s === 'ready',
    );

    const errors = (error_type: string) =>
      sample(url, 'dynamo_operator_reconcile_errors_total', { ...RT, namespace: 'team-b', error_type });
    await eventually(
      'the 404 to be counted',
      () => errors('not_found'),
      (n) => n >= 1,
    );
    expect(await errors('conflict')).toBe(1);
    expect(await errors('validation')).toBe(1);
    expect(
      await sample(url, 'dynamo_operator_reconcile_total', { ...RT, namespace: 'team-b', result: 'error' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      await sample(url, 'dynamo_operator_reconcile_total', { ...RT, namespace: 'team-b', result: 'success' }),
    ).toBeGreaterThanOrEqual(1);

    const inventory = (namespace: string, status: string) =>
      sample(url, 'dynamo_operator_resources_total', { ...RT, namespace, status });
    await eventually(
      'the inventory',
      () =>
        Promise.all([
          inventory('team-a', 'ready'),
          inventory('team-a', 'failed'),
          inventory('team-b', 'ready'),
        ]),
      ([a, b, c]) => a === 1 && b === 1 && c === 2,
    );
    api.delete('team-a', 'broken');
    await eventually(
      'the deleted object to leave the inventory',
      () => inventory('team-a', 'failed'),
      (n) => n === 0,
    );

    // One line per reconcile, with its own request id and trace, at error level for failures.
    const finished = operator.logs.filter((l) => l.message === 'reconcile finished');
    const conflict = finished.find((l) => l.error_type === 'conflict');
    expect(conflict).toMatchObject({
      level: 'ERROR',
      target: 'kubernetes',
      namespace: 'team-b',
      name: 'contended',
      result: 'error',
    });
    expect(conflict?.error).toMatch(/409 Conflict Operation cannot be fulfilled|injected Conflict/);
    for (const line of finished) {
      expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(finished.map((l) => l.request_id)).size).toBe(finished.length);
    // The controller's own lines inside a reconcile share its request id.
    const update = operator.logs.find((l) => l.message === 'updating model state' && l.to === 'failed');
    expect(finished.some((l) => l.request_id === update?.request_id && l.name === 'broken')).toBe(true);

    // The watch ends (API server restart): the controller relists and keeps counting.
    api.closeWatches();
    await eventually(
      'a relist',
      async () => api.calls.filter((c) => c === 'list').length,
      (n) => n >= 2,
    );
    api.put('team-c', 'late', { baseModelName: 'phi' });
    await eventually(
      'the late object',
      async () => api.get('team-c', 'late')?.status?.state,
      (s) => s === 'ready',
    );

    expect(await running.stop()).toBe(0);
    running = undefined;
  });

  it('serves the validating webhook and records Dynamo webhook metrics', async () => {
    running = await startOperator();
    const { url } = running;
    const allowed = review('CREATE', { baseModelName: 'llama' });
    expect(await admit(url, allowed)).toEqual({
      status: 200,
      body: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: allowed.request.uid, allowed: true },
      },
    });
    const denied = await admit(url, review('UPDATE', { baseModelName: 'b' }, { baseModelName: 'a' }));
    expect(denied.body.response).toMatchObject({
      allowed: false,
      status: { code: 403, message: 'spec.baseModelName is immutable' },
    });
    expect((await admit(url, review('CREATE', {}))).body.response).toMatchObject({ allowed: false });
    expect((await admit(url, { kind: 'AdmissionReview' })).status).toBe(400);

    expect(
      await sample(url, 'dynamo_operator_webhook_requests_total', {
        ...RT,
        operation: 'CREATE',
        result: 'allowed',
      }),
    ).toBe(1);
    expect(
      await sample(url, 'dynamo_operator_webhook_requests_total', {
        ...RT,
        operation: 'CREATE',
        result: 'denied',
      }),
    ).toBe(1);
    expect(
      await sample(url, 'dynamo_operator_webhook_denials_total', {
        ...RT,
        operation: 'UPDATE',
        reason: 'immutable_field_changed',
      }),
    ).toBe(1);
    expect(
      await sample(url, 'dynamo_operator_webhook_denials_total', {
        ...RT,
        operation: 'CREATE',
        reason: 'invalid_config',
      }),
    ).toBe(1);
    expect(await sample(url, 'dynotel_admission_reviews_rejected_total', { reason: 'malformed' })).toBe(1);
    // The review's log line carries the HTTP request's ids (dynotel's Express middleware is in front).
    const line = await running.operator.waitForLog('admission review answered');
    const access = running.operator.logs.find(
      (l) => l.message === 'http response sent' && l.request_id === line.request_id,
    );
    expect(access).toMatchObject({
      trace_id: line.trace_id,
      route: '/validate-nvidia-com-v1alpha1-dynamomodel',
      status: 200,
    });
  });
});
