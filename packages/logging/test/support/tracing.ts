import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';

/** Registers a real context manager and tracer provider once per test file (what @dynotel/tracing does). */
let registered = false;
export function registerTracing(): void {
  if (registered) return;
  registered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider());
}

/** Runs `fn` inside a fresh active span and returns what it returned with the span. */
export function inSpan<T>(fn: (span: Span) => T): { span: Span; result: T } {
  const span = trace.getTracer('logging-test').startSpan('test-span');
  const result = context.with(trace.setSpan(context.active(), span), () => fn(span));
  span.end();
  return { span, result };
}
