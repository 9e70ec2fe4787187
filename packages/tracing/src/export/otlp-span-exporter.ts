import { DynotelError } from '@dynotel/core';
import { context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { EncodedSpanBatch } from '../encoded-span-queue.ts';
import type { OtlpProtocol } from '../options.ts';
import { RateLimitedReporter } from '../rate-limited-reporter.ts';
import { type DropReason, spanExportFailures } from '../self-metrics.ts';
import { deliverAtExit, type ExitDeliveryResult } from './exit-delivery.ts';
import { GrpcTransport } from './grpc-transport.ts';
import { HttpTransport } from './http-transport.ts';
import { TraceRequestEncoder } from './protobuf/trace-request.ts';
import { decodeTracePartialSuccess } from './protobuf/trace-response.ts';
import { type BackoffSettings, backoffDelayMs } from './retry-policy.ts';
import type { AttemptResult, OtlpTransport } from './transport.ts';

const TARGET = 'dynotel.tracing';
const USER_AGENT = 'dynotel-otlp-exporter';

export interface OtlpSpanExporterOptions {
  readonly protocol: OtlpProtocol;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  /** Budget of one export call, retries included. */
  readonly timeoutMs: number;
  readonly retry: BackoffSettings & { readonly maxAttempts: number };
  readonly errorLogIntervalMs: number;
}

/**
 * A successful export as this exporter reports it: how many spans the collector accepted and how many
 * it rejected (partial success). The batch processor counts them in `dynotel_spans_exported_total` and
 * `dynotel_spans_dropped_total{reason="rejected"}` — only if the answer came within its export timeout,
 * so a batch it already counted as dropped (`export_timeout`) is never counted twice.
 */
export interface AcknowledgedExportResult extends ExportResult {
  readonly acceptedSpans: number;
  readonly rejectedSpans: number;
}

/** Whether an export result carries the collector's accepted/rejected counts. */
export function isAcknowledged(result: ExportResult): result is AcknowledgedExportResult {
  return typeof (result as Partial<AcknowledgedExportResult>).acceptedSpans === 'number';
}

/**
 * The error an export fails with; `dropReason` tells the batch processor which `reason` label to
 * count the batch under, so each dropped span is counted exactly once, by the processor. It is a
 * DynotelError (code ERR_DYNOTEL_TRACING_EXPORT_FAILED) so a processor or exporter wrapping this one
 * can recognise it with `isDynotelError(error, tracingErrors)`; it is never thrown at the host.
 */
export class SpanExportError extends DynotelError<'ERR_DYNOTEL_TRACING_EXPORT_FAILED'> {
  readonly dropReason: DropReason;
  /** Spans of the batch that were not delivered (less than the batch size on partial success). */
  readonly droppedSpans: number;

  constructor(message: string, dropReason: DropReason, droppedSpans: number) {
    super('ERR_DYNOTEL_TRACING_EXPORT_FAILED', message, { details: { dropReason, droppedSpans } });
    this.name = 'SpanExportError';
    this.dropReason = dropReason;
    this.droppedSpans = droppedSpans;
  }
}

/**
 * OTLP span exporter (gRPC or HTTP/protobuf) that follows the OTLP spec's failure rules: retryable
 * codes are retried with jittered exponential backoff (or after the server's RetryInfo / Retry-After)
 * while the export budget lasts, non-retryable ones drop the batch at once, partial success is never
 * retried. Each failed attempt is counted in `dynotel_span_export_failures_total{protocol,code}` and
 * logged at a bounded rate. `shutdown()` cancels what is in flight, so it never waits on a dead collector.
 */
export class OtlpSpanExporter implements SpanExporter {
  readonly #options: OtlpSpanExporterOptions;
  readonly #transport: OtlpTransport;
  readonly #reporter: RateLimitedReporter;
  readonly #encoder = new TraceRequestEncoder();
  /**
   * An export is sending from the encoder's own buffer. Sending from it instead of a fresh copy of each
   * request saves a buffer the size of a batch per export, and a large share of the export's CPU
   * (bench/ANALYSIS.md); an export that starts meanwhile (a processor calling concurrently, or the
   * batch processor's timeout moving on while this one still retries) encodes into its own encoder.
   */
  #encoderBusy = false;
  readonly #sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #shutdown = false;

  constructor(options: OtlpSpanExporterOptions) {
    this.#options = options;
    const transportOptions = {
      url: options.url,
      headers: options.headers,
      compression: options.compression,
      userAgent: USER_AGENT,
      reconnectBackoff: { initialMs: options.retry.initialBackoffMs, maxMs: options.retry.maxBackoffMs },
    };
    this.#transport =
      options.protocol === 'grpc' ? new GrpcTransport(transportOptions) : new HttpTransport(transportOptions);
    this.#reporter = new RateLimitedReporter(TARGET, options.errorLogIntervalMs);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#export((encoder, inPlace) => encoder.encode(spans, inPlace), spans.length, resultCallback);
  }

  /** Exports spans the batch processor encoded when they ended (EncodedSpanQueue). */
  exportEncoded(batch: EncodedSpanBatch, resultCallback: (result: ExportResult) => void): void {
    this.#export(
      (encoder, inPlace) => encoder.encodeEncoded(batch.groups, inPlace),
      batch.count,
      resultCallback,
    );
  }

  /**
   * At process exit, synchronously: each batch once, no retries, all within `timeoutMs` (see
   * exit-delivery.ts). Used by the batch processor when the application exits without shutting
   * telemetry down. `deliveredRequests` counts the batches acknowledged, in order.
   */
  exportEncodedAtExit(batches: readonly EncodedSpanBatch[], timeoutMs: number): ExitDeliveryResult {
    if (this.#shutdown) return { outcome: 'failed', deliveredRequests: 0 };
    let bodies: Uint8Array[];
    try {
      const encoder = this.#availableEncoder();
      bodies = batches.map((batch) => encoder.encodeEncoded(batch.groups));
    } catch {
      return { outcome: 'failed', deliveredRequests: 0 };
    }
    return deliverAtExit({
      protocol: this.#options.protocol,
      url: this.#options.url,
      headers: this.#options.headers,
      compression: this.#options.compression,
      userAgent: USER_AGENT,
      bodies,
      timeoutMs,
    });
  }

  #export(encode: Encode, count: number, resultCallback: (result: ExportResult) => void): void {
    // Our own network calls must never be traced (an instrumented http module would loop forever).
    context.with(suppressTracing(context.active()), () => {
      this.#exportWithRetries(encode, count).then(resultCallback, (error: unknown) =>
        resultCallback({
          code: ExportResultCode.FAILED,
          error: new SpanExportError(String(error), 'non_retryable', count),
        }),
      );
    });
  }

  async #exportWithRetries(encode: Encode, count: number): Promise<ExportResult> {
    if (this.#shutdown) return failed('exporter is shut down', 'shutdown', count);
    const encoder = this.#availableEncoder();
    const inPlace = this.#transport.releasesBodyOnSettle && encoder === this.#encoder;
    const body = encode(encoder, inPlace);
    if (!inPlace) return this.#sendWithRetries(body, count);
    this.#encoderBusy = true;
    try {
      return await this.#sendWithRetries(body, count);
    } finally {
      this.#encoderBusy = false;
    }
  }

  /** The shared encoder, unless an export is sending from its buffer: then a new one. */
  #availableEncoder(): TraceRequestEncoder {
    return this.#encoderBusy ? new TraceRequestEncoder() : this.#encoder;
  }

  async #sendWithRetries(body: Uint8Array, count: number): Promise<ExportResult> {
    const deadline = Date.now() + this.#options.timeoutMs;
    const protocol = this.#options.protocol;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#transport.send(body, deadline);
      if (result.kind === 'success') return this.#handleSuccess(result.response, count);
      spanExportFailures.inc({ protocol, code: result.code });
      if (this.#shutdown) return failed('exporter shut down during export', 'shutdown', count);
      if (!result.retryable) {
        this.#report(
          'span export failed with a non-retryable status; dropping the batch',
          result,
          count,
          attempt,
        );
        return failed(`${result.code}: ${result.message}`, 'non_retryable', count);
      }
      const delay = result.retryAfterMs ?? backoffDelayMs(attempt, this.#options.retry);
      if (attempt >= this.#options.retry.maxAttempts || Date.now() + delay >= deadline) {
        this.#report(
          'span export kept failing until its timeout; dropping the batch',
          result,
          count,
          attempt,
        );
        return failed(`${result.code}: ${result.message}`, 'retries_exhausted', count);
      }
      await this.#sleep(delay);
      if (this.#shutdown) return failed('exporter shut down during export', 'shutdown', count);
    }
  }

  #handleSuccess(response: Uint8Array, batchSize: number): AcknowledgedExportResult {
    // An unreadable response body still means the request was accepted (it reads as nothing rejected).
    const { rejectedSpans, errorMessage: message } = decodeTracePartialSuccess(response);
    const rejected = Math.min(batchSize, Math.max(0, rejectedSpans));
    // Partial success: the rest was accepted and the spec forbids retrying; the processor counts both.
    if (rejected > 0)
      this.#reporter.warn('collector rejected some spans (partial success)', { rejected, message });
    return { code: ExportResultCode.SUCCESS, acceptedSpans: batchSize - rejected, rejectedSpans: rejected };
  }

  #report(message: string, result: AttemptResult, spans: number, attempts: number): void {
    if (result.kind !== 'failure') return;
    this.#reporter.warn(message, {
      protocol: this.#options.protocol,
      // No userinfo or query: they may carry credentials.
      endpoint: `${this.#options.url.protocol}//${this.#options.url.host}${this.#options.url.pathname}`,
      code: result.code,
      error: result.message,
      spans,
      attempts,
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.#sleeps.add(entry);
    });
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.#shutdown = true;
    for (const sleep of this.#sleeps) {
      clearTimeout(sleep.timer);
      sleep.wake();
    }
    this.#sleeps.clear();
    this.#transport.shutdown();
  }
}

/** Encodes the request of one export with `encoder`; `inPlace`: as a view of the encoder's buffer. */
type Encode = (encoder: TraceRequestEncoder, inPlace: boolean) => Uint8Array;

function failed(message: string, reason: DropReason, spans: number): ExportResult {
  return { code: ExportResultCode.FAILED, error: new SpanExportError(message, reason, spans) };
}
