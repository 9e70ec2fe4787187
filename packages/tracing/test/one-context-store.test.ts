import { setTimeout as sleep } from 'node:timers/promises';
import { getRequestContext, runWithRequestContext } from '@dynotel/core';
import { currentFrame, frameWithRequestContext, runOutsideRequests } from '@dynotel/core/internal';
import { type Context, context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import { createTracing, type Tracing } from '../src/index.ts';
import { ownsGlobalContext } from '../src/internal.ts';

/**
 * The request context and the OpenTelemetry context are one frame in core's one store: a request
 * context set on an OpenTelemetry context is read by getRequestContext() wherever that context is
 * entered, `context.with` inside runWithRequestContext keeps the request, and no callback from core into
 * tracing exists to read it.
 */
let tracing: Tracing | undefined;

afterEach(async () => {
  await tracing?.shutdown(500);
  tracing = undefined;
});

describe('one context store', () => {
  test('a request context in an OpenTelemetry context is read through async work, requests apart', async () => {
    tracing = createTracing({ serviceName: 'svc' });
    const seen: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id, i) => {
        const frame = frameWithRequestContext({ requestId: id, xRequestId: `x-${id}` }, ROOT_CONTEXT);
        return context.with(frame as Context, async () => {
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

  test('runWithRequestContext and context.with nest in either order without losing the other', () => {
    tracing = createTracing({ serviceName: 'svc' });
    const span = tracing.tracer.startSpan('outer');
    const inner = context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
      runWithRequestContext({ requestId: 'explicit' }, () => ({
        request: getRequestContext()?.requestId,
        span: trace.getActiveSpan(),
        // One frame: the OpenTelemetry context active here is the store's frame itself.
        same: context.active() === currentFrame(),
      })),
    );
    expect(inner).toEqual({ request: 'explicit', span, same: true });
    const nested = runWithRequestContext({ requestId: 'outer' }, () =>
      context.with(trace.setSpan(context.active(), span), () => getRequestContext()?.requestId),
    );
    expect(nested).toBe('outer');
    span.end();
  });

  test('runOutsideRequests leaves the request and its span behind, for timers armed in it too', async () => {
    tracing = createTracing({ serviceName: 'svc' });
    const span = tracing.tracer.startSpan('request');
    const seen = await runWithRequestContext({ requestId: 'r' }, () =>
      context.with(trace.setSpan(context.active(), span), () =>
        runOutsideRequests(
          () =>
            new Promise<unknown[]>((resolve) =>
              setTimeout(() => resolve([getRequestContext(), trace.getActiveSpan()]), 1),
            ),
        ),
      ),
    );
    expect(seen).toEqual([undefined, undefined]);
    span.end();
  });

  test('dynotel owns the global context only while its tracing is registered', async () => {
    const local = createTracing({ serviceName: 'svc', registerGlobal: false });
    expect(ownsGlobalContext()).toBe(false);
    await local.shutdown(500);
    tracing = createTracing({ serviceName: 'svc' });
    expect(ownsGlobalContext()).toBe(true);
    await tracing.shutdown(500);
    tracing = undefined;
    expect(ownsGlobalContext()).toBe(false);
    // The store outlives the manager: core's request context still works alone.
    expect(runWithRequestContext({ requestId: 'r' }, () => getRequestContext()?.requestId)).toBe('r');
  });
});
