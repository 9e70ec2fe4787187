import { runOutsideRequests, settlesWithin } from '@dynotel/core';
import { type Context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { EncodedSpanQueue } from './encoded-span-queue.ts';
import { isAcknowledged, OtlpSpanExporter, SpanExportError } from './export/otlp-span-exporter.ts';
import { RateLimitedReporter } from './rate-limited-reporter.ts';
import { type DropReason, spansDropped, spansExported } from './self-metrics.ts';

export interface BoundedBatchProcessorOptions {
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly errorLogIntervalMs: number;
}

/**
 * A batch span processor with the BatchSpanProcessor semantics of the OTel spec (bounded queue, one
 * export at a time, scheduled and size-triggered exports), written here rather than wrapped so that
 * every span it gives up on is counted in `dynotel_spans_dropped_total{reason}`: the upstream processor
 * counts queue drops only in a private field. Memory is bounded by maxQueueSize plus one batch in flight.
 *
 * `forceFlush(timeoutMs)` exports what was queued before the call and resolves by its deadline either
 * way; `shutdown(timeoutMs)` flushes, then shuts the exporter down (cancelling anything in flight) and
 * counts whatever is left as dropped with reason `shutdown`.
 */
export class BoundedBatchProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #options: BoundedBatchProcessorOptions;
  readonly #reporter: RateLimitedReporter;
  readonly #queue: SpanQueue;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** Spans that must be exported now regardless of batch size (flush requested, timer fired). */
  #drainTarget = 0;
  #isShutdown = false;
  #shutdownPromise: Promise<void> | undefined;

  constructor(exporter: SpanExporter, options: BoundedBatchProcessorOptions) {
    this.#exporter = exporter;
    this.#options = options;
    // Our OTLP exporter takes spans encoded as they end; any other exporter gets ReadableSpans.
    this.#queue = exporter instanceof OtlpSpanExporter ? encodedQueue(exporter) : readableSpanQueue(exporter);
    this.#reporter = new RateLimitedReporter('dynotel.tracing', options.errorLogIntervalMs);
  }

  /** Spans waiting for export (tests, diagnostics). */
  get queueSize(): number {
    return this.#queue.length;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#isShutdown) {
      spansDropped.inc({ reason: 'shutdown' });
      return;
    }
    if (this.#queue.length >= this.#options.maxQueueSize) {
      spansDropped.inc({ reason: 'queue_full' });
      this.#reporter.warn('span queue is full; dropping spans until the exporter catches up', {
        maxQueueSize: this.#options.maxQueueSize,
      });
      return;
    }
    try {
      this.#queue.push(span);
    } catch (error) {
      spansDropped.inc({ reason: 'non_retryable' });
      this.#reporter.warn('a span could not be encoded for export; dropped', { error: String(error) });
      return;
    }
    // Outside the request whose span this is: the export (its promises, timers and warnings) and the
    // timer that starts it are the process's background work, never that request's context.
    if (this.#queue.length >= this.#options.maxExportBatchSize) {
      if (this.#running === undefined) runOutsideRequests(this.#kickBound);
    } else if (this.#timer === undefined && this.#running === undefined)
      runOutsideRequests(this.#scheduleBound);
  }

  readonly #kickBound = (): void => this.#kick();
  readonly #scheduleBound = (): void => this.#schedule();

  async forceFlush(timeoutMs = this.#options.exportTimeoutMs): Promise<void> {
    await this.#flush(timeoutMs);
  }

  shutdown(timeoutMs = this.#options.exportTimeoutMs): Promise<void> {
    this.#shutdownPromise ??= this.#doShutdown(timeoutMs);
    return this.#shutdownPromise;
  }

  async #doShutdown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Keep a little of the budget for cancelling an export in flight and counting what it held.
    await this.#flush(Math.max(0, timeoutMs - Math.min(250, timeoutMs / 5)));
    this.#isShutdown = true;
    this.#clearTimer();
    // Cancels an export still in flight (its batch is counted by #exportBatch as `shutdown`).
    try {
      await settlesWithin(this.#exporter.shutdown(), Math.max(0, deadline - Date.now()));
    } catch {}
    if (this.#running !== undefined) await settlesWithin(this.#running, Math.max(0, deadline - Date.now()));
    if (this.#queue.length > 0) {
      spansDropped.inc({ reason: 'shutdown' }, this.#queue.length);
      this.#reporter.warn('shutdown finished with spans still queued; they were not delivered', {
        spans: this.#queue.length,
      });
      this.#queue.clear();
    }
  }

  /** Resolves true once everything queued now has been handed to the exporter and answered. */
  async #flush(timeoutMs: number): Promise<boolean> {
    if (this.#isShutdown) return true;
    this.#drainTarget = Math.max(this.#drainTarget, this.#queue.length);
    const done = (async () => {
      // Each pass exports until the target is drained; a run started before the flush may end early.
      while (this.#queue.length > 0 || this.#running !== undefined) {
        if (this.#running === undefined) this.#kick();
        await this.#running;
        if (this.#drainTarget === 0) break;
      }
    })();
    const finished = await settlesWithin(done, timeoutMs);
    if (!finished) this.#reporter.warn('span flush did not finish within its timeout', { timeoutMs });
    return finished;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#running !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drainTarget = Math.max(this.#drainTarget, this.#queue.length);
      this.#kick();
    }, this.#options.scheduleDelayMs);
    // A pending export timer must not keep the process alive (shutdown/forceFlush deliver the rest).
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #kick(): void {
    if (this.#running !== undefined) return;
    this.#clearTimer();
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#isShutdown) return;
      if (this.#queue.length >= this.#options.maxExportBatchSize) this.#kick();
      else if (this.#queue.length > 0) this.#schedule();
    });
  }

  async #run(): Promise<void> {
    while (
      this.#queue.length > 0 &&
      (this.#drainTarget > 0 || this.#queue.length >= this.#options.maxExportBatchSize)
    ) {
      const batch = this.#queue.take(this.#options.maxExportBatchSize);
      this.#drainTarget = Math.max(0, this.#drainTarget - batch.count);
      await this.#exportBatch(batch);
    }
    if (this.#queue.length === 0) this.#drainTarget = 0;
  }

  async #exportBatch(batch: QueuedBatch): Promise<void> {
    const result = await new Promise<ExportResult | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.#options.exportTimeoutMs);
      try {
        batch.export((exportResult) => {
          clearTimeout(timer);
          resolve(exportResult);
        });
      } catch (error) {
        clearTimeout(timer);
        resolve({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    });
    if (result === undefined) {
      spansDropped.inc({ reason: 'export_timeout' }, batch.count);
      this.#reporter.warn('span exporter did not answer within the export timeout; batch dropped', {
        spans: batch.count,
        exportTimeoutMs: this.#options.exportTimeoutMs,
      });
      return;
    }
    if (result.code === ExportResultCode.SUCCESS) {
      // Counted here, not in the exporter: a late answer to a batch already counted as
      // `export_timeout` above never reaches this line, so each span is counted exactly once.
      if (isAcknowledged(result)) {
        spansExported.inc(undefined, result.acceptedSpans);
        if (result.rejectedSpans > 0) spansDropped.inc({ reason: 'rejected' }, result.rejectedSpans);
      }
      return;
    }
    const reason: DropReason =
      result.error instanceof SpanExportError ? result.error.dropReason : 'export_failed';
    spansDropped.inc({ reason }, batch.count);
    if (!(result.error instanceof SpanExportError))
      this.#reporter.warn('span export failed; batch dropped', {
        spans: batch.count,
        error: String(result.error),
      });
  }
}

/** A batch taken from the queue, with the call that hands it to the exporter. */
interface QueuedBatch {
  readonly count: number;
  export(resultCallback: (result: ExportResult) => void): void;
}

/** The queue in front of the exporter: ReadableSpans, or spans already encoded for OTLP. */
interface SpanQueue {
  readonly length: number;
  push(span: ReadableSpan): void;
  take(max: number): QueuedBatch;
  clear(): void;
}

function readableSpanQueue(exporter: SpanExporter): SpanQueue {
  let spans: ReadableSpan[] = [];
  return {
    get length() {
      return spans.length;
    },
    push: (span) => {
      spans.push(span);
    },
    take(max) {
      const batch = spans.splice(0, max);
      return { count: batch.length, export: (callback) => exporter.export(batch, callback) };
    },
    clear() {
      spans = [];
    },
  };
}

function encodedQueue(exporter: OtlpSpanExporter): SpanQueue {
  const queue = new EncodedSpanQueue();
  return {
    get length() {
      return queue.length;
    },
    push: (span) => queue.push(span),
    take(max) {
      const batch = queue.take(max);
      return { count: batch.count, export: (callback) => exporter.exportEncoded(batch, callback) };
    },
    clear: () => queue.clear(),
  };
}
