import { diag } from '@dynotel/core';
import * as grpc from '@grpc/grpc-js';
import { retryDelayFromStatusDetails } from './retry-info.ts';
import { grpcCodeName, isRetryableGrpcCode } from './retry-policy.ts';
import type { AttemptResult, OtlpTransport } from './transport.ts';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const GRPC_COMPRESSION_GZIP = 2;
const passThrough = (value: Buffer): Buffer => value;

export interface GrpcTransportOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly userAgent: string;
  /**
   * grpc-js reconnect backoff. Its defaults (1 s growing to 120 s) would leave a channel idle for up to
   * two minutes after a collector outage; we cap it at the export retry backoff instead.
   */
  readonly reconnectBackoff: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * OTLP/gRPC with @grpc/grpc-js. The upstream exporter reports every gRPC error as a plain failure
 * (no retries, no RetryInfo); this transport classifies codes so the exporter can retry per the spec.
 * No grpc-js retry policy is configured: retries are ours, bounded by the export deadline.
 */
export class GrpcTransport implements OtlpTransport {
  readonly protocol = 'grpc' as const;
  readonly #client: grpc.Client;
  readonly #metadata: grpc.Metadata;
  readonly #inFlight = new Set<grpc.ClientUnaryCall>();
  #closed = false;

  constructor(options: GrpcTransportOptions) {
    const secure = options.url.protocol === 'https:';
    const port = options.url.port || (secure ? '443' : '80');
    this.#client = new grpc.Client(
      `${options.url.hostname}:${port}`,
      secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
      {
        'grpc.primary_user_agent': options.userAgent,
        'grpc.initial_reconnect_backoff_ms': Math.round(options.reconnectBackoff.initialMs),
        'grpc.max_reconnect_backoff_ms': Math.round(options.reconnectBackoff.maxMs),
        ...(options.compression === 'gzip'
          ? { 'grpc.default_compression_algorithm': GRPC_COMPRESSION_GZIP }
          : {}),
      },
    );
    this.#metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(options.headers)) {
      try {
        this.#metadata.set(key, value);
      } catch (error) {
        // grpc-js refuses some keys (binary `-bin` keys need Buffer values, illegal characters).
        diag.warn('dynotel.tracing', 'OTLP header skipped: not a valid gRPC metadata entry', {
          header: key,
          error: String(error),
        });
      }
    }
  }

  send(body: Uint8Array, deadline: number): Promise<AttemptResult> {
    if (this.#closed)
      return Promise.resolve({
        kind: 'failure',
        retryable: false,
        code: 'CANCELLED',
        message: 'exporter is shut down',
      });
    return new Promise((resolve) => {
      const call = this.#client.makeUnaryRequest(
        EXPORT_PATH,
        passThrough,
        passThrough,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        this.#metadata,
        { deadline },
        (error, response) => {
          this.#inFlight.delete(call);
          if (error === null) {
            resolve({ kind: 'success', response: response ?? Buffer.alloc(0) });
            return;
          }
          const details = error.metadata?.get('grpc-status-details-bin')[0];
          const retryAfterMs = retryDelayFromStatusDetails(Buffer.isBuffer(details) ? details : undefined);
          resolve({
            kind: 'failure',
            retryable: !this.#closed && isRetryableGrpcCode(error.code, retryAfterMs !== undefined),
            code: grpcCodeName(error.code),
            message: error.details || error.message,
            retryAfterMs,
          });
        },
      );
      this.#inFlight.add(call);
    });
  }

  shutdown(): void {
    this.#closed = true;
    for (const call of this.#inFlight) call.cancel();
    this.#inFlight.clear();
    this.#client.close();
  }
}
