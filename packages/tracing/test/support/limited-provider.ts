import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import { type ReadableSpan, type SpanLimits, TracerProvider } from '@opentelemetry/sdk-trace';

/** A provider with these span limits whose `start` opens a root span; ended spans are kept in order. */
export function limitedProvider(
  spanLimits: SpanLimits,
  spanName = 'request',
): { start(): Span; ended: ReadableSpan[] } {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    spanLimits,
    spanProcessors: [
      {
        onStart() {},
        onEnd: (span) => void ended.push(span),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  const tracer = provider.getTracer('test');
  return { start: () => tracer.startSpan(spanName, {}, ROOT_CONTEXT), ended };
}
