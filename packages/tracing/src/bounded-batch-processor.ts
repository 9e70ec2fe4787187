import { diag } from '@dynotel/core';
import { runOutsideRequests, settlesWithin } from '@dynotel/core/internal';
import { type Context, context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { type EncodedSpanBatch, EncodedSpanQueue } from './encoded-span-queue.ts';
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
 *
 * When the process exits without a shutdown (the application's own `process.exit()`), nothing
 * asynchronous can run on this thread any more: the spans still queued are sent from a worker thread
 * while this one waits (at most 2 s); what is not acknowledged, and the spans of an export that was in
 * flight, are counted as dropped with reason `exit` and named on one last log line.
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
  /** Spans of the export in flight (handed to the exporter, not yet answered). */
  #exporting = 0;

  constructor(exporter: SpanExporter, options: BoundedBatchProcessorOptions) {
    this.#exporter = exporter;
    this.#options = options;
    // Our OTLP exporter takes spans encoded as they end; any other exporter gets ReadableSpans.
    this.#queue = exporter instanceof OtlpSpanExporter ? encodedQueue(exporter) : readableSpanQueue(exporter);
    this.#reporter = new RateLimitedReporter('dynotel.tracing', options.errorLogIntervalMs);
    watchExit(this);
  }

  /**
   * Called at process exit (a `process.exit()` without a shutdown first), synchronously, as everything
   * at exit must be. The spans still queued are sent from a worker thread while this thread waits, for
   * at most EXIT_DELIVERY_MAX_MS (OTLP exporter only); what is not acknowledged — and the spans of an
   * export that was in flight, cut by the exit — is counted as dropped with reason `exit` and named on
   * the last log line.
   */
  accountAtExit(): void {
    const queued = this.#queue.length;
    const inFlight = this.#exporting;
    if (this.#isShutdown || queued + inFlight === 0) return;
    this.#isShutdown = true;
    this.#clearTimer();
    const timeoutMs = Math.min(this.#options.exportTimeoutMs, EXIT_DELIVERY_MAX_MS);
    const delivery =
      queued > 0 && this.#queue.deliverAtExit !== undefined
        ? this.#queue.deliverAtExit(this.#options.maxExportBatchSize, timeoutMs)
        : undefined;
    const delivered = delivery?.deliveredSpans ?? 0;
    const lost = queued - delivered + inFlight;
    this.#queue.clear();
    this.#exporting = 0;
    if (delivered > 0) spansExported.inc(undefined, delivered);
    if (lost === 0) {
      diag.info(
        'dynotel.tracing',
        'the process exited without a shutdown; its queued spans were sent at exit',
        {
          deliveredSpans: delivered,
        },
      );
      return;
    }
    spansDropped.inc({ reason: 'exit' }, lost);
    diag.warn(
      'dynotel.tracing',
      'the process exited before its spans were exported; they are lost (call telemetry.shutdown() before process.exit(), or exit through a signal)',
      {
        lostSpans: lost,
        queued: queued - delivered,
        inFlight,
        deliveredSpans: delivered,
        ...(delivery === undefined ? {} : { exitDelivery: delivery.outcome }),
        selfMetric: 'dynotel_spans_dropped_total{reason="exit"}',
      },
    );
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
    unwatchExit(this);
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
    this.#exporting = batch.count;
    const result = await new Promise<ExportResult | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.#options.exportTimeoutMs);
      try {
        // Suppressed: the exporter's own requests are never traced or instrumented (no span per export,
        // no recursion), whatever context the timer that started this export captured.
        context.with(suppressTracing(context.active()), () =>
          batch.export((exportResult) => {
            clearTimeout(timer);
            resolve(exportResult);
          }),
        );
      } catch (error) {
        clearTimeout(timer);
        resolve({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    });
    // Zero already when the exit accounting counted this batch (nothing runs after it anyway).
    if (this.#exporting === 0) return;
    this.#exporting = 0;
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

/** The processors not shut down yet; one process 'exit' listener serves them all. */
const watched = new Set<BoundedBatchProcessor>();
let exitListenerInstalled = false;

function watchExit(processor: BoundedBatchProcessor): void {
  watched.add(processor);
  if (exitListenerInstalled) return;
  exitListenerInstalled = true;
  process.on('exit', () => {
    for (const each of watched) each.accountAtExit();
    watched.clear();
  });
}

function unwatchExit(processor: BoundedBatchProcessor): void {
  watched.delete(processor);
}

/** The longest a process exit is held up to send the spans still queued (see accountAtExit). */
const EXIT_DELIVERY_MAX_MS = 2_000;

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
  /** At exit: sends everything queued in batches of `max`, synchronously (OTLP exporter only). */
  deliverAtExit?(max: number, timeoutMs: number): { deliveredSpans: number; outcome: string };
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
    deliverAtExit(max, timeoutMs) {
      const batches: EncodedSpanBatch[] = [];
      while (queue.length > 0) batches.push(queue.take(max));
      const result = exporter.exportEncodedAtExit(batches, timeoutMs);
      let deliveredSpans = 0;
      for (let i = 0; i < result.deliveredRequests && i < batches.length; i++) {
        deliveredSpans += batches[i]!.count;
      }
      return { deliveredSpans, outcome: result.outcome };
    },
  };
}
