import { diag } from '@dynotel/core';
import type * as Grpc from '@grpc/grpc-js';
import type * as OtlpTransformer from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { loadDependency } from '../load-dependency.ts';

const EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const DEADLINE_EXCEEDED = 4;
/** As the span transport: a channel stuck behind a black hole is replaced after this many deadlines. */
const MAX_CONSECUTIVE_DEADLINES = 3;
const passThrough = (value: Buffer): Buffer => value;

/** `ExportResult` of @opentelemetry/core, which this package does not depend on. */
interface ExportResult {
  readonly code: 0 | 1;
  readonly error?: Error;
}

export interface GrpcLogExporterOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /**
   * grpc-js reconnect backoff. Its defaults (1 s growing to 120 s) kept log export idle for up to two
   * minutes after a collector outage, while spans resumed within seconds: the span transport caps the
   * backoff at its retry backoff (1 s to 5 s), and so does this one by default.
   */
  readonly reconnectBackoff: { readonly initialMs: number; readonly maxMs: number };
}

/** The span exporter's default retry backoff (`RetryOptions` of @dynotel/tracing). */
export const DEFAULT_RECONNECT_BACKOFF = { initialMs: 1000, maxMs: 5000 } as const;

/**
 * OTLP/gRPC log export on a grpc-js channel dynotel configures. The upstream exporter builds its own
 * channel with no way to set channel options, so its reconnect backoff could not be bounded. One
 * attempt per batch, like the upstream exporter; the bounded processor counts a failure as dropped.
 */
export class GrpcLogExporter implements LogRecordExporter {
  readonly #options: GrpcLogExporterOptions;
  /** grpc-js and the serializer: loaded here, when log export is configured, not at import. */
  readonly #grpc = loadDependency<typeof Grpc>('@grpc/grpc-js');
  readonly #serializer = loadDependency<typeof OtlpTransformer>(
    '@opentelemetry/otlp-transformer',
  ).ProtobufLogsSerializer;
  readonly #metadata: Grpc.Metadata = new this.#grpc.Metadata();
  #client: Grpc.Client;
  #consecutiveDeadlines = 0;
  #closed = false;

  constructor(options: GrpcLogExporterOptions) {
    this.#options = options;
    this.#client = this.#createClient();
    for (const [key, value] of Object.entries(options.headers)) {
      try {
        this.#metadata.set(key, value);
      } catch (error) {
        diag.warn('dynotel.logging', 'OTLP header skipped: not a valid gRPC metadata entry', {
          header: key,
          error: String(error),
        });
      }
    }
  }

  #createClient(): Grpc.Client {
    const grpc = this.#grpc;
    const url = new URL(this.#options.url);
    const secure = url.protocol === 'https:';
    const port = url.port || (secure ? '443' : '80');
    const { initialMs, maxMs } = this.#options.reconnectBackoff;
    return new grpc.Client(
      `${url.hostname}:${port}`,
      secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
      {
        'grpc.primary_user_agent': 'dynotel-logs',
        'grpc.initial_reconnect_backoff_ms': Math.round(initialMs),
        'grpc.max_reconnect_backoff_ms': Math.round(maxMs),
      },
    );
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.#closed) {
      resultCallback({ code: 1, error: new Error('exporter is shut down') });
      return;
    }
    let body: Uint8Array | undefined;
    try {
      body = this.#serializer.serializeRequest(logs);
    } catch (error) {
      resultCallback({ code: 1, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    if (body === undefined) {
      resultCallback({ code: 1, error: new Error('log records could not be serialised') });
      return;
    }
    this.#client.makeUnaryRequest(
      EXPORT_PATH,
      passThrough,
      passThrough,
      Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      this.#metadata,
      { deadline: Date.now() + this.#options.timeoutMs },
      (error) => {
        this.#noteOutcome(error?.code);
        if (error === null) resultCallback({ code: 0 });
        else resultCallback({ code: 1, error });
      },
    );
  }

  #noteOutcome(code: number | undefined): void {
    if (code !== DEADLINE_EXCEEDED) {
      this.#consecutiveDeadlines = 0;
      return;
    }
    if (++this.#consecutiveDeadlines < MAX_CONSECUTIVE_DEADLINES || this.#closed) return;
    this.#consecutiveDeadlines = 0;
    const stale = this.#client;
    this.#client = this.#createClient();
    stale.close();
  }

  /** Nothing is buffered here: the processor owns the queue. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Like the upstream exporter: the channel closes, calls in flight end at their deadline. */
  shutdown(): Promise<void> {
    this.#closed = true;
    this.#client.close();
    return Promise.resolve();
  }
}
