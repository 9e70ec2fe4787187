import { diag } from '@dynotel/core';
import { runOutsideRequests, settlesWithin } from '@dynotel/core/internal';
import { type Context, context, createContextKey } from '@opentelemetry/api';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import { type LogRecordDropReason, logRecordsDropped, logRecordsExported } from './self-metrics.ts';

export interface BoundedLogProcessorOptions {
  readonly scheduledDelayMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  /** How long one batch may wait for the exporter's answer before it is counted as `export_timeout`. */
  readonly exportTimeoutMs: number;
  /** The whole of `shutdown()`: flush, exporter shutdown and the count of what is left. */
  readonly shutdownTimeoutMs: number;
}

/** `ExportResultCode.SUCCESS` of @opentelemetry/core (not a dependency of this package). */
const EXPORT_SUCCESS = 0;

/**
 * A batch log record processor with the BatchLogRecordProcessor semantics (bounded queue, one export
 * at a time, scheduled and size-triggered exports), written here rather than used from sdk-logs for two
 * reasons: sdk-logs' `shutdown()` takes no timeout (a collector that accepts the connection but never
 * answers holds it for one export timeout per batch, far past a shutdown hook's budget), and it drops
 * records on a full queue without telling anyone. Here `shutdown()` always settles within
 * `shutdownTimeoutMs`, and every record handed over ends exactly once in
 * `dynotel_log_records_exported_total` or `dynotel_log_records_dropped_total{reason}`.
 * Memory is bounded by maxQueueSize plus one batch in flight.
 */
export class BoundedLogProcessor implements LogRecordProcessor {
  readonly #exporter: LogRecordExporter;
  readonly #options: BoundedLogProcessorOptions;
  #queue: ReadableLogRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** The batch being exported; taken (and counted) by whoever settles it first: answer, timeout or shutdown. */
  #inFlight: InFlight | undefined;
  #closing = false;
  #isShutdown = false;
  #shutdownPromise: Promise<void> | undefined;

  constructor(exporter: LogRecordExporter, options: BoundedLogProcessorOptions) {
    this.#exporter = exporter;
    this.#options = options;
  }

  /**
   * True from the moment shutdown is called: the SDK's logger stops handing records over then, so the
   * bridge counts later records as dropped (`shutdown`) itself.
   */
  get isClosing(): boolean {
    return this.#closing;
  }

  onEmit(logRecord: ReadWriteLogRecord): void {
    if (this.#isShutdown) {
      logRecordsDropped.inc({ reason: 'shutdown' });
      return;
    }
    if (this.#queue.length >= this.#options.maxQueueSize) {
      logRecordsDropped.inc({ reason: 'queue_full' });
      diag.once('dynotel.logging.otlp.queue_full', {
        level: 'warn',
        target: 'dynotel.logging',
        message:
          'the OTLP log queue is full; records are dropped and counted in dynotel_log_records_dropped_total',
        fields: { maxQueueSize: this.#options.maxQueueSize },
      });
      return;
    }
    // The SDK's record implements both views; the processor only reads it after onEmit returns.
    this.#queue.push(logRecord as unknown as ReadableLogRecord);
    // Outside the request that logged: the export and its timer are background work (see the span
    // batch processor).
    if (this.#queue.length >= this.#options.maxExportBatchSize) {
      if (this.#running === undefined) runOutsideRequests(this.#kickSome);
    } else if (this.#timer === undefined && this.#running === undefined)
      runOutsideRequests(this.#scheduleBound);
  }

  readonly #kickSome = (): void => this.#kick(false);
  readonly #scheduleBound = (): void => this.#schedule();

  async forceFlush(): Promise<void> {
    await settlesWithin(this.#drain(), this.#options.exportTimeoutMs);
  }

  shutdown(): Promise<void> {
    this.#closing = true;
    this.#shutdownPromise ??= this.#doShutdown();
    return this.#shutdownPromise;
  }

  async #doShutdown(): Promise<void> {
    const budget = this.#options.shutdownTimeoutMs;
    const deadline = Date.now() + budget;
    // Keep a little of the budget for shutting the exporter down and counting what is left.
    await settlesWithin(this.#drain(), Math.max(0, budget - Math.min(250, budget / 5)));
    this.#isShutdown = true;
    this.#clearTimer();
    const left = this.#queue.length + (this.#inFlight?.batch.length ?? 0);
    if (this.#inFlight !== undefined) this.#settle(this.#inFlight, 'shutdown');
    if (this.#queue.length > 0) logRecordsDropped.inc({ reason: 'shutdown' }, this.#queue.length);
    this.#queue = [];
    if (left > 0)
      diag.warn('dynotel.logging', 'OTLP log shutdown ended with records undelivered; counted as dropped', {
        records: left,
        shutdownTimeoutMs: budget,
      });
    try {
      await settlesWithin(this.#exporter.shutdown(), Math.max(0, deadline - Date.now()));
    } catch {}
  }

  /** Exports everything queued now; resolves when done (callers bound it). */
  async #drain(): Promise<void> {
    while (!this.#isShutdown && (this.#queue.length > 0 || this.#running !== undefined)) {
      if (this.#running === undefined) this.#kick(true);
      await this.#running;
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#running !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick(true);
    }, this.#options.scheduledDelayMs);
    // A pending export must not keep the process alive: forceFlush and shutdown deliver the rest.
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Starts exporting: full batches, and with `all` also the last partial batch. */
  #kick(all: boolean): void {
    if (this.#running !== undefined || this.#isShutdown) return;
    this.#clearTimer();
    this.#running = this.#run(all).finally(() => {
      this.#running = undefined;
      if (this.#isShutdown) return;
      if (this.#queue.length >= this.#options.maxExportBatchSize) this.#kick(false);
      else if (this.#queue.length > 0) this.#schedule();
    });
  }

  async #run(all: boolean): Promise<void> {
    while (
      !this.#isShutdown &&
      this.#queue.length > 0 &&
      (all || this.#queue.length >= this.#options.maxExportBatchSize)
    ) {
      await this.#exportBatch(this.#queue.splice(0, this.#options.maxExportBatchSize));
    }
  }

  #exportBatch(batch: ReadableLogRecord[]): Promise<void> {
    return new Promise<void>((resolve) => {
      const inFlight: InFlight = {
        batch,
        resolve,
        timer: setTimeout(() => this.#settle(inFlight, 'export_timeout'), this.#options.exportTimeoutMs),
      };
      this.#inFlight = inFlight;
      try {
        // Suppressed: the exporter's own requests are never traced or instrumented (see suppressTracing).
        context.with(suppressTracing(context.active()), () =>
          this.#exporter.export(batch, (result) =>
            this.#settle(
              inFlight,
              result.code === EXPORT_SUCCESS ? 'exported' : 'export_failed',
              result.error,
            ),
          ),
        );
      } catch (error) {
        this.#settle(inFlight, 'export_failed', error);
      }
    });
  }

  /**
   * Counts a batch once: the first of its answer, its timeout or shutdown wins. A late answer to a batch
   * already counted as dropped is ignored, so a record is never counted twice.
   */
  #settle(inFlight: InFlight, outcome: 'exported' | LogRecordDropReason, error?: unknown): void {
    if (this.#inFlight !== inFlight) return;
    this.#inFlight = undefined;
    clearTimeout(inFlight.timer);
    inFlight.resolve();
    const records = inFlight.batch.length;
    if (outcome === 'exported') {
      logRecordsExported.inc(undefined, records);
      return;
    }
    logRecordsDropped.inc({ reason: outcome }, records);
    if (outcome !== 'shutdown')
      diag.once(`dynotel.logging.otlp.${outcome}`, {
        level: 'warn',
        target: 'dynotel.logging',
        message:
          'OTLP log export failed; records are dropped and counted in dynotel_log_records_dropped_total',
        fields: { records, reason: outcome, error: error === undefined ? undefined : String(error) },
      });
  }
}

interface InFlight {
  readonly batch: ReadableLogRecord[];
  readonly timer: NodeJS.Timeout;
  readonly resolve: () => void;
}

/**
 * `@opentelemetry/core`'s suppressTracing, whose key this is (`createContextKey` is `Symbol.for`, so
 * every copy agrees): instrumentations, dynotel's outgoing-HTTP one included, skip calls made in it.
 */
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
function suppressTracing(parent: Context): Context {
  return parent.setValue(SUPPRESS_TRACING_KEY, true);
}
