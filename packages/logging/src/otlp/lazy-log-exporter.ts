import { diag } from '@dynotel/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** `ExportResult` of @opentelemetry/core, which this package does not depend on. */
interface ExportResult {
  readonly code: 0 | 1;
  readonly error?: Error;
}

/**
 * A log exporter made at its first export, not when the provider is: the exporters pull in the heavy
 * part of the stack (grpc-js, otlp-transformer and, through its index, the metrics SDK; the http/protobuf
 * exporter and its base), which a service then loads only once it has records to send, not at start-up.
 * Records emitted before then wait in the bounded processor's queue as usual.
 *
 * If the exporter cannot be made (its packages fail to load), that is logged once and every batch
 * fails at once: the processor counts its records as dropped (`export_failed`); the host never sees it.
 */
export class LazyLogExporter implements LogRecordExporter {
  readonly #create: () => LogRecordExporter;
  #exporter: LogRecordExporter | undefined;
  #loadError: Error | undefined;
  #closed = false;

  constructor(create: () => LogRecordExporter) {
    this.#create = create;
  }

  #open(): LogRecordExporter | undefined {
    if (this.#exporter !== undefined || this.#loadError !== undefined) return this.#exporter;
    try {
      this.#exporter = this.#create();
    } catch (error) {
      this.#loadError = new Error(`cannot load the OTLP log exporter: ${String(error)}`);
      diag.error('dynotel.logging', 'cannot load the OTLP log exporter; log records are not exported', {
        error: String(error),
      });
    }
    return this.#exporter;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.#closed) {
      resultCallback({ code: 1, error: new Error('exporter is shut down') });
      return;
    }
    const exporter = this.#open();
    if (exporter === undefined) {
      resultCallback({ code: 1, error: this.#loadError as Error });
      return;
    }
    exporter.export(logs, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.#exporter?.forceFlush() ?? Promise.resolve();
  }

  /** Shuts the exporter down if one was made; one never made is not loaded just to be closed. */
  shutdown(): Promise<void> {
    this.#closed = true;
    return this.#exporter?.shutdown() ?? Promise.resolve();
  }
}
