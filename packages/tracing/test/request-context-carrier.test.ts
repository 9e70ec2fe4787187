import { setTimeout as sleep } from 'node:timers/promises';
import { getRequestContext, runWithRequestContext } from '@dynotel/core';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import { carryRequestContext, createTracing, type Tracing } from '../src/index.ts';

/**
 * The HTTP middleware enters one OpenTelemetry context that carries the request context too, instead
 * of a second context frame for it. Everything that reads the request context must see the same as
 * with `runWithRequestContext`, and the carried one must never win over one set explicitly.
 */
let tracing: Tracing | undefined;

afterEach(async () => {
  await tracing?.shutdown(500);
  tracing = undefined;
});

describe('carryRequestContext', () => {
  test('is read through async work and keeps concurrent requests apart', async () => {
    tracing = createTracing({ serviceName: 'svc' });
    const seen: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id, i) => {
        const carried = carryRequestContext(ROOT_CONTEXT, { requestId: id, xRequestId: `x-${id}` });
        expect(carried).toBeDefined();
        return context.with(carried!, async () => {
          await sleep(10 - i * 3);
          const span = tracing!.tracer.startSpan('child');
          // A context derived from the active one (a child span's) still carries it.
          context.with(trace.setSpan(context.active(), span), () => {
            seen.push(`${id}:${getRequestContext()?.requestId}:${getRequestContext()?.xRequestId}`);
          });
          span.end();
        });
      }),
    );
    expect(seen.sort()).toEqual(['a:a:x-a', 'b:b:x-b', 'c:c:x-c']);
    expect(getRequestContext()).toBeUndefined();
  });

  test('never wins over a context set with runWithRequestContext, inside or outside', () => {
    tracing = createTracing({ serviceName: 'svc' });
    const carried = carryRequestContext(ROOT_CONTEXT, { requestId: 'carried' })!;
    const inner = context.with(carried, () =>
      runWithRequestContext({ requestId: 'explicit' }, () => getRequestContext()?.requestId),
    );
    expect(inner).toBe('explicit');
    // Inside an explicit one the middleware must not carry (it would be shadowed): it is told so.
    runWithRequestContext({ requestId: 'outer' }, () => {
      expect(carryRequestContext(ROOT_CONTEXT, { requestId: 'request' })).toBeUndefined();
    });
    // Nor inside a carried one: the nested request sets its own with runWithRequestContext.
    context.with(carried, () => {
      expect(carryRequestContext(context.active(), { requestId: 'nested' })).toBeUndefined();
    });
  });

  test('is not offered without dynotel as the global context manager, and stops at shutdown', async () => {
    const local = createTracing({ serviceName: 'svc', registerGlobal: false });
    expect(carryRequestContext(ROOT_CONTEXT, { requestId: 'r' })).toBeUndefined();
    await local.shutdown(500);

    tracing = createTracing({ serviceName: 'svc' });
    const carried = carryRequestContext(ROOT_CONTEXT, { requestId: 'r' })!;
    expect(context.with(carried, () => getRequestContext()?.requestId)).toBe('r');
    await tracing.shutdown(500);
    tracing = undefined;
    expect(carryRequestContext(ROOT_CONTEXT, { requestId: 'r' })).toBeUndefined();
    expect(context.with(carried, () => getRequestContext())).toBeUndefined();
  });
});
