/**
 * observeReconcile and ResourceInventory on an initialised dynotel: reconciles that succeed, requeue and
 * fail with every Kubernetes API error Dynamo categorises, checked in Dynamo's dynamo_operator_* metrics,
 * in the spans a real OTLP/gRPC receiver gets and in the JSONL log lines.
 */
import { observeReconcile, type ReconcileRequest, ResourceInventory } from 'dynotel/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Observed, startObserved } from './support.ts';

const status = (reason: string, code: number) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: reason, reason, code });

/** The errors @kubernetes/client-node 1.x throws (ApiException: numeric code, the Status as body text). */
function apiException(code: number, reason = ''): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: reason === '' ? '' : status(reason, code),
  });
}

let observed: Observed;

beforeAll(async () => {
  observed = await startObserved('reconcile-test');
});

afterAll(async () => {
  await observed?.close();
});

const reconcileTotal = (namespace: string, result: string) =>
  observed.metric('dynamo_operator_reconcile_total', {
    resource_type: 'DynamoGraphDeployment',
    namespace,
    result,
  });

describe('observeReconcile', () => {
  it('records success and requeue, returns what the reconcile returned, one root span and log line each', async () => {
    const seen: ReconcileRequest[] = [];
    const reconcile = observeReconcile(
      { telemetry: observed.telemetry, resourceType: 'DynamoGraphDeployment' },
      async (request) => {
        seen.push(request);
        observed.telemetry.logger.info({ step: 'apply' }, 'applying deployment');
        if (request.name === 'scaling') return { requeueAfterMs: 5000 };
        if (request.name === 'waiting') return { requeue: true };
        return undefined;
      },
    );
    expect(await reconcile({ namespace: 'ok', name: 'graph' })).toBeUndefined();
    expect(await reconcile({ namespace: 'ok', name: 'scaling' })).toEqual({ requeueAfterMs: 5000 });
    expect(await reconcile({ namespace: 'ok', name: 'waiting' })).toEqual({ requeue: true });
    expect(seen.map((r) => r.name)).toEqual(['graph', 'scaling', 'waiting']);
    expect(await reconcileTotal('ok', 'success')).toBe(1);
    expect(await reconcileTotal('ok', 'requeue')).toBe(2);
    expect(
      await observed.metric('dynamo_operator_reconcile_duration_seconds_count', {
        resource_type: 'DynamoGraphDeployment',
        namespace: 'ok',
        result: 'requeue',
      }),
    ).toBe(2);

    await observed.telemetry.tracing.forceFlush();
    const spans = (await observed.receiver.waitForSpans(3)).filter((s) => s.name === 'reconcile');
    expect(spans).toHaveLength(3);
    // Each reconcile is a trace of its own.
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(3);
    for (const span of spans) expect(span.parentSpanId).toBe('');
    const scaling = spans.find((s) => s.attributes['k8s.object.name'] === 'scaling')!;
    expect(scaling.attributes).toMatchObject({
      resource_type: 'DynamoGraphDeployment',
      'k8s.namespace.name': 'ok',
      'reconcile.result': 'requeue',
    });

    const lines = observed.logs.records().filter((r) => r.trace_id === scaling.traceId);
    expect(lines.map((l) => l.message)).toEqual(['applying deployment', 'reconcile finished']);
    for (const line of lines) {
      expect(line.span_id).toBe(scaling.spanId);
      expect(line.request_id).toBe(scaling.attributes.request_id);
    }
    expect(lines[1]).toMatchObject({
      target: 'kubernetes',
      resource_type: 'DynamoGraphDeployment',
      namespace: 'ok',
      name: 'scaling',
      result: 'requeue',
      requeue_after_ms: 5000,
    });
  });

  const failures: Array<[string, () => unknown, string]> = [
    ['404', () => apiException(404, 'NotFound'), 'not_found'],
    ['409 AlreadyExists', () => apiException(409, 'AlreadyExists'), 'already_exists'],
    ['409 Conflict', () => apiException(409, 'Conflict'), 'conflict'],
    ['422', () => apiException(422, 'Invalid'), 'validation'],
    ['400', () => apiException(400), 'bad_request'],
    ['401', () => apiException(401), 'unauthorized'],
    ['403', () => apiException(403, 'Forbidden'), 'forbidden'],
    ['504', () => apiException(504), 'timeout'],
    ['500 ServerTimeout', () => apiException(500, 'ServerTimeout'), 'server_timeout'],
    ['503', () => apiException(503), 'unavailable'],
    ['429', () => apiException(429, 'TooManyRequests'), 'rate_limited'],
    // 0.x HttpError shape, wrapped by the application: found along the cause chain.
    [
      'a wrapped HttpError 404',
      () => new Error('get failed', { cause: { statusCode: 404, body: {} } }),
      'not_found',
    ],
    ['a plain error', () => new Error('template rendering failed'), 'internal'],
    ['a thrown string', () => 'no', 'internal'],
  ];

  it.each(failures.map(([what, make, type], index) => ({ what, make, type, index })))(
    'classifies $what as $type, rethrows it, and marks the span and log line',
    async ({ make, type, index }) => {
      const namespace = `fail-${index}`;
      const error = make();
      const reconcile = observeReconcile(
        { telemetry: observed.telemetry, resourceType: 'DynamoGraphDeployment' },
        () => {
          throw error;
        },
      );
      await expect(reconcile({ namespace, name: 'graph' })).rejects.toBe(error);
      expect(await reconcileTotal(namespace, 'error')).toBe(1);
      expect(
        await observed.metric('dynamo_operator_reconcile_errors_total', {
          resource_type: 'DynamoGraphDeployment',
          namespace,
          error_type: type,
        }),
      ).toBe(1);
      const line = observed.logs.records().find((r) => r.namespace === namespace);
      expect(line).toMatchObject({
        level: 'ERROR',
        message: 'reconcile finished',
        result: 'error',
        error_type: type,
      });

      await observed.telemetry.tracing.forceFlush();
      const span = await observed.receiver
        .waitForSpans(1)
        .then(() =>
          observed.receiver
            .spans()
            .find((s) => s.name === 'reconcile' && s.attributes['k8s.namespace.name'] === namespace),
        );
      expect(span?.attributes['error.type']).toBe(type);
      expect(span?.status.code).toBe(2);
    },
  );

  it('lets the service classify an error itself', async () => {
    const reconcile = observeReconcile(
      {
        telemetry: observed.telemetry,
        resourceType: 'DynamoGraphDeployment',
        classifyError: (error) => ((error as Error).message === 'quota' ? 'rate_limited' : undefined),
      },
      () => {
        throw new Error('quota');
      },
    );
    await expect(reconcile({ namespace: 'custom', name: 'g' })).rejects.toThrow('quota');
    expect(
      await observed.metric('dynamo_operator_reconcile_errors_total', {
        resource_type: 'DynamoGraphDeployment',
        namespace: 'custom',
        error_type: 'rate_limited',
      }),
    ).toBe(1);
  });
});

describe('ResourceInventory', () => {
  const gauge = (namespace: string, state: string) =>
    observed.metric('dynamo_operator_resources_total', {
      resource_type: 'DynamoModel',
      namespace,
      status: state,
    });
  const item = (uid: string, namespace: string, state?: string) => ({
    metadata: { uid, name: uid, namespace },
    ...(state === undefined ? {} : { status: { state } }),
  });

  it('counts a list by namespace and .status.state, then follows watch events, zeroing emptied states', async () => {
    const inventory = new ResourceInventory({ telemetry: observed.telemetry, resourceType: 'DynamoModel' });
    inventory.replace([
      item('a', 'ns1', 'ready'),
      item('b', 'ns1', 'ready'),
      item('c', 'ns2', 'pending'),
      item('d', 'ns2'),
    ]);
    expect(await gauge('ns1', 'ready')).toBe(2);
    expect(await gauge('ns2', 'pending')).toBe(1);
    expect(await gauge('ns2', 'unknown')).toBe(1);

    expect(inventory.apply({ type: 'MODIFIED', object: item('c', 'ns2', 'ready') })).toBe(true);
    expect(inventory.apply({ type: 'DELETED', object: item('d', 'ns2') })).toBe(true);
    expect(inventory.apply({ type: 'ADDED', object: item('e', 'ns3', 'failed') })).toBe(true);
    expect(inventory.apply({ type: 'BOOKMARK', object: { metadata: {} } })).toBe(false);
    expect(await gauge('ns2', 'pending')).toBe(0);
    expect(await gauge('ns2', 'unknown')).toBe(0);
    expect(await gauge('ns2', 'ready')).toBe(1);
    expect(await gauge('ns3', 'failed')).toBe(1);

    // A relist replaces everything: objects gone while the watch was down are no longer counted.
    inventory.replace([item('a', 'ns1', 'ready')]);
    expect(await gauge('ns1', 'ready')).toBe(1);
    expect(await gauge('ns3', 'failed')).toBe(0);
    expect(inventory.counts()).toEqual([{ namespace: 'ns1', status: 'ready', count: 1 }]);
  });

  it('takes the status from statusOf when given', async () => {
    const inventory = new ResourceInventory<{ metadata: { uid: string; namespace: string }; ready: boolean }>(
      {
        telemetry: observed.telemetry,
        resourceType: 'DynamoModel',
        statusOf: (object) => (object.ready ? 'ready' : 'not_ready'),
      },
    );
    inventory.replace([
      { metadata: { uid: 'x', namespace: 'custom' }, ready: true },
      { metadata: { uid: 'y', namespace: 'custom' }, ready: false },
    ]);
    expect(await gauge('custom', 'ready')).toBe(1);
    expect(await gauge('custom', 'not_ready')).toBe(1);
  });
});
