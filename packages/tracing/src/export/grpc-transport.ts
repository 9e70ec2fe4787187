import { diag } from '@dynotel/core';
import * as grpc from '@grpc/grpc-js';
import { retryDelayFromStatusDetails } from './retry-info.ts';
import { grpcCodeName, isRetryableGrpcCode } from './retry-policy.ts';
import { type AttemptResult, type OtlpTransport, TRANSPORT_CLOSED } from './transport.ts';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const GRPC_COMPRESSION_GZIP = 2;
const passThrough = (value: Buffer): Buffer => value;
const DEADLINE_EXCEEDED = 4;
/**
 * After this many DEADLINE_EXCEEDED in a row the channel is replaced: a collector that accepted the
 * connection but stopped answering (a black hole behind a load balancer) can leave a channel stuck
 * that a fresh connection would not be. opentelemetry-js does the same after 5.
 */
const MAX_CONSECUTIVE_DEADLINES = 3;

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
  readonly #options: GrpcTransportOptions;
  #client: grpc.Client;
  #consecutiveDeadlines = 0;
  readonly #metadata: grpc.Metadata;
  readonly #inFlight = new Set<grpc.ClientUnaryCall>();
  #closed = false;

  constructor(options: GrpcTransportOptions) {
    this.#options = options;
    this.#client = this.#createClient();
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

  #createClient(): grpc.Client {
    const { url, reconnectBackoff, compression, userAgent } = this.#options;
    const secure = url.protocol === 'https:';
    const port = url.port || (secure ? '443' : '80');
    return new grpc.Client(
      `${url.hostname}:${port}`,
      secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
      {
        'grpc.primary_user_agent': userAgent,
        'grpc.initial_reconnect_backoff_ms': Math.round(reconnectBackoff.initialMs),
        'grpc.max_reconnect_backoff_ms': Math.round(reconnectBackoff.maxMs),
        ...(compression === 'gzip' ? { 'grpc.default_compression_algorithm': GRPC_COMPRESSION_GZIP } : {}),
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

  send(body: Uint8Array, deadline: number): Promise<AttemptResult> {
    if (this.#closed) return TRANSPORT_CLOSED;
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
          this.#noteOutcome(error?.code);
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
