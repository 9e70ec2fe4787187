import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * A span processor for tests: keeps every ended span in memory, synchronously, in end order.
 * Pass it as `spanProcessors: [collector]` to `createTracing()`.
 */
export interface SpanCollector extends SpanProcessor {
  /** The ended spans so far (a copy). */
  spans(): ReadableSpan[];
  /** The ended spans with this name. */
  spansNamed(name: string): ReadableSpan[];
  /** Resolves with the spans once at least `count` ended; rejects after `timeoutMs` (default 2000). */
  waitForSpans(count: number, timeoutMs?: number): Promise<ReadableSpan[]>;
  clear(): void;
}

export function createSpanCollector(): SpanCollector {
  const ended: ReadableSpan[] = [];
  const waiters = new Set<() => void>();
  return {
    onStart(_span: Span, _parentContext: Context): void {},
    onEnd(span: ReadableSpan): void {
      ended.push(span);
      for (const waiter of [...waiters]) waiter();
    },
    async forceFlush(): Promise<void> {},
    async shutdown(): Promise<void> {},
    spans: () => [...ended],
    spansNamed: (name) => ended.filter((span) => span.name === name),
    clear: () => {
      ended.length = 0;
    },
    waitForSpans(count, timeoutMs = 2000) {
      if (ended.length >= count) return Promise.resolve([...ended]);
      return new Promise((resolve, reject) => {
        const waiter = (): void => {
          if (ended.length < count) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve([...ended]);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`span collector: ${ended.length} of ${count} spans ended within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
