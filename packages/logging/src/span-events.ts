import { type Context, context, type HrTime, type Span, type SpanContext, trace } from '@opentelemetry/api';
import { type DynotelLogger, logWithCorrelation } from './logger.ts';

/** What the processor reads of a span: the members @opentelemetry/sdk-trace's Span has. */
interface SdkSpanLike {
  readonly name: string;
  readonly duration: HrTime;
  readonly instrumentationScope?: { readonly name: string };
  spanContext(): SpanContext;
}

/**
 * A span processor (the `SpanProcessor` shape of @opentelemetry/sdk-trace, without depending on it) that
 * writes Dynamo's span lifecycle lines (DYN_LOGGING_SPAN_EVENTS, JSONL mode, reference §4.3):
 *
 * - `SPAN_FIRST_ENTRY` when a span starts;
 * - `SPAN_CLOSED` when it ends, with integer `time.busy_us`, `time.idle_us` and `time.duration_us`.
 *
 * Both at INFO (Dynamo: the span's level; dynotel's spans are INFO), with the span's `span_name`,
 * `span_id` and `trace_id`, and as target the name of the tracer that made the span (Dynamo: the span's
 * target). JavaScript has no "span entered/exited" notion (async work interleaves freely), so busy is the
 * whole duration and idle is 0: `time.duration_us` is exact, the split is not available.
 */
export interface SpanEventsProcessor {
  onStart(span: Span, parentContext: Context): void;
  onEnding?(span: Span): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const DEFAULT_TARGET = 'span_event';

function microseconds(duration: HrTime): number {
  return Math.max(0, Math.round(duration[0] * 1e6 + duration[1] / 1e3));
}

export function createSpanEventsProcessor(logger: DynotelLogger): SpanEventsProcessor {
  const byTarget = new Map<string, DynotelLogger>();
  const loggerFor = (span: Partial<SdkSpanLike>): DynotelLogger => {
    const target = span.instrumentationScope?.name || DEFAULT_TARGET;
    let child = byTarget.get(target);
    if (child === undefined) {
      child = logger.child({ target });
      // Bounded: tracer names are few; past this, lines go through the default target.
      if (byTarget.size < 64) byTarget.set(target, child);
    }
    return child;
  };
  let closed = false;
  return {
    onStart(span, parentContext) {
      if (closed) return;
      const child = loggerFor(span as Partial<SdkSpanLike>);
      if (!child.isLevelEnabled('info')) return;
      logWithCorrelation(
        child,
        'info',
        // The parent's frame carries the request context the span started in.
        trace.setSpan(parentContext, span),
        {},
        'SPAN_FIRST_ENTRY',
      );
    },
    onEnd(ended) {
      if (closed) return;
      const span = ended as SdkSpanLike;
      const child = loggerFor(span);
      if (!child.isLevelEnabled('info')) return;
      const duration = microseconds(span.duration);
      // The ended span still answers spanContext() and carries its name: the correlation reads both.
      const asSpan = span as unknown as Span;
      logWithCorrelation(
        child,
        'info',
        // The active frame at the end carries the request context the span ends in.
        trace.setSpan(context.active(), asSpan),
        { 'time.busy_us': duration, 'time.idle_us': 0, 'time.duration_us': duration },
        'SPAN_CLOSED',
      );
    },
    forceFlush: () => Promise.resolve(),
    shutdown() {
      closed = true;
      return Promise.resolve();
    },
  };
}
