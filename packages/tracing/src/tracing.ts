import { diag } from '@dynotel/core';
import { settlesWithin } from '@dynotel/core/internal';
import {
  context,
  ProxyTracerProvider,
  propagation,
  type Span,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { BoundedBatchProcessor } from './bounded-batch-processor.ts';
import { DynotelContextManager, setOwnsGlobalContext } from './context-manager.ts';
import { OtlpSpanExporter } from './export/otlp-span-exporter.ts';
import { type ResolvedTracingOptions, resolveTracingOptions, type TracingOptions } from './options.ts';
import { PooledIdGenerator } from './pooled-id-generator.ts';
import { propagator } from './propagation/headers.ts';
import { createResource } from './resource.ts';
import { createSampler } from './sampler.ts';
import { setDefaultTracerName, type WithSpanOptions, withSpan } from './span-helpers.ts';
import { DynotelTracerProvider } from './tracer-provider.ts';

/** Default budget of `forceFlush()` and `shutdown()`. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5000;

export interface Tracing {
  /** The tracer named after the service (Dynamo names its tracer after `service.name` too). */
  readonly tracer: Tracer;
  /** The SDK tracer provider, or a no-op provider when the SDK is disabled. */
  readonly provider: TracerProvider;
  /** Whether finished spans are exported (OTLP or the given exporter). */
  readonly exporting: boolean;
  /** The options after defaults (endpoint URL, protocol, batch and retry settings). */
  readonly options: ResolvedTracingOptions;
  /** `withSpan` bound to this instance's tracer. */
  withSpan<T>(name: string, fn: (span: Span) => T, options?: WithSpanOptions): T;
  /** Exports every span ended before the call; resolves by `timeoutMs` even when the collector is down. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /**
   * Flushes, stops the exporter (cancelling anything in flight) and unregisters the globals this
   * instance registered. Runs once; resolves by `timeoutMs`. Undelivered spans are counted as dropped.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Creates the tracer provider from typed options (the umbrella package maps OTEL_* onto them):
 * - `sdkDisabled`: a no-op tracer, nothing registered;
 * - otherwise an SDK provider with the resource and sampler; spans get ids even without export so
 *   logs can carry them (as Dynamo's local provider);
 * - `exportEnabled`: a bounded batch processor feeding the OTLP exporter (gRPC or HTTP/protobuf).
 * Throws `ERR_DYNOTEL_TRACING_INVALID_OPTION` on bad options; never throws at runtime afterwards.
 */
export function createTracing(options: TracingOptions = {}): Tracing {
  const resolved = resolveTracingOptions(options);
  if (resolved.sdkDisabled) return disabledTracing(resolved);

  const exporter =
    options.exporter ??
    (resolved.exportEnabled
      ? new OtlpSpanExporter({
          protocol: resolved.protocol,
          url: resolved.url,
          headers: resolved.headers,
          compression: resolved.compression,
          timeoutMs: resolved.timeoutMs,
          retry: resolved.retry,
          errorLogIntervalMs: resolved.errorLogIntervalMs,
        })
      : undefined);
  const batchProcessor =
    exporter === undefined
      ? undefined
      : new BoundedBatchProcessor(exporter, {
          ...resolved.batch,
          errorLogIntervalMs: resolved.errorLogIntervalMs,
        });
  const extraProcessors = options.spanProcessors ?? [];
  const spanProcessors: SpanProcessor[] = [...extraProcessors];
  if (batchProcessor !== undefined) spanProcessors.push(batchProcessor);

  const provider = new DynotelTracerProvider({
    resource: createResource(resolved),
    sampler: createSampler(resolved.sampler, resolved.samplerArg),
    idGenerator: new PooledIdGenerator(),
    spanProcessors,
  });
  const tracer = provider.getTracer(resolved.serviceName);

  const unregister: (() => void)[] = [];
  if (resolved.registerGlobal) {
    registerContextManager(unregister);
    if (propagation.setGlobalPropagator(propagator)) unregister.push(() => propagation.disable());
    if (trace.setGlobalTracerProvider(provider)) unregister.push(() => trace.disable());
    else
      diag.warn('dynotel.tracing', 'a global tracer provider is already registered; keeping it', {
        serviceName: resolved.serviceName,
      });
    setDefaultTracerName(resolved.serviceName);
  }

  let shutdownPromise: Promise<void> | undefined;
  return {
    tracer,
    provider,
    exporting: exporter !== undefined,
    options: resolved,
    withSpan: (name, fn, spanOptions = {}) => withSpan(name, fn, { ...spanOptions, tracer }),
    async forceFlush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      await settleWithin(
        Promise.all([
          batchProcessor?.forceFlush(timeoutMs),
          ...extraProcessors.map((processor) => processor.forceFlush()),
        ]),
        timeoutMs,
      );
    },
    shutdown(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      shutdownPromise ??= (async () => {
        const deadline = Date.now() + timeoutMs;
        await batchProcessor?.shutdown(timeoutMs);
        // The SDK provider shuts the other processors down (ours again, which is a no-op by then).
        await settleWithin(provider.shutdown(), Math.max(0, deadline - Date.now()));
        for (const undo of unregister) undo();
      })();
      return shutdownPromise;
    },
  };
}

function disabledTracing(resolved: ResolvedTracingOptions): Tracing {
  // A ProxyTracerProvider without a delegate hands out no-op tracers: what OTEL_SDK_DISABLED asks for.
  const provider = new ProxyTracerProvider();
  const tracer = provider.getTracer(resolved.serviceName);
  // No spans, but the trace still passes through: W3C Trace Context asks a vendor that receives a
  // traceparent to forward it. The context manager carries a request's incoming span context to its
  // outgoing calls, the propagator writes it unchanged (same parent id, flags and tracestate). Neither is
  // registered over one the host registered.
  const unregister: (() => void)[] = [];
  if (resolved.registerGlobal) {
    registerContextManager(unregister);
    if (propagation.setGlobalPropagator(propagator)) unregister.push(() => propagation.disable());
  }
  let shutdownPromise: Promise<void> | undefined;
  return {
    tracer,
    provider,
    exporting: false,
    options: resolved,
    withSpan: (name, fn, spanOptions = {}) => withSpan(name, fn, { ...spanOptions, tracer }),
    forceFlush: async () => {},
    shutdown() {
      shutdownPromise ??= Promise.resolve().then(() => {
        for (const undo of unregister) undo();
      });
      return shutdownPromise;
    },
  };
}

/** dynotel's context manager as the global one, unless the host registered its own; undone by `unregister`. */
function registerContextManager(unregister: (() => void)[]): void {
  if (!context.setGlobalContextManager(new DynotelContextManager().enable())) return;
  setOwnsGlobalContext(true);
  unregister.push(() => {
    setOwnsGlobalContext(false);
    context.disable();
  });
}

/** Waits for `promise` at most `ms`; never rejects (a failure is reported here). */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  await settlesWithin(
    promise.catch((error: unknown) =>
      diag.warn('dynotel.tracing', 'flush or shutdown failed', { error: String(error) }),
    ),
    ms,
  );
}
