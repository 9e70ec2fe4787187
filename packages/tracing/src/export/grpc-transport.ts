import { diag } from '@dynotel/core';
import type * as Grpc from '@grpc/grpc-js';
import { loadDependency } from '../load-dependency.ts';
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
/** The `code` label of an attempt that failed because @grpc/grpc-js could not be loaded. */
export const GRPC_LOAD_FAILED = 'LOAD_FAILED';

let grpcLibrary: typeof Grpc | undefined;

/**
 * @grpc/grpc-js, loaded at the first export (about a fifth of the package's load time otherwise, paid
 * by every service at start-up, exporting or not). Throws what `require` threw.
 */
function grpcJs(): typeof Grpc {
  grpcLibrary ??= loadDependency<typeof Grpc>('@grpc/grpc-js');
  return grpcLibrary;
}

/** The channel and the request metadata, made together at the first export. */
interface Channel {
  client: Grpc.Client;
  readonly metadata: Grpc.Metadata;
}

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
 *
 * grpc-js, the channel and the metadata are made at the first `send` (a service that never ends a span
 * never loads the gRPC stack), so a header grpc-js refuses is warned about then. If grpc-js cannot be
 * loaded, every attempt fails at once, not retried, with code `LOAD_FAILED` (counted by the exporter
 * like any failed attempt) and one error on `diag`; the host is never affected.
 */
export class GrpcTransport implements OtlpTransport {
  readonly protocol = 'grpc' as const;
  readonly releasesBodyOnSettle = true;
  readonly #options: GrpcTransportOptions;
  #channel: Channel | undefined;
  #loadError: string | undefined;
  #consecutiveDeadlines = 0;
  readonly #inFlight = new Set<Grpc.ClientUnaryCall>();
  #closed = false;

  constructor(options: GrpcTransportOptions) {
    this.#options = options;
  }

  /** The channel, made on first use; `undefined` when grpc-js failed to load (reported once). */
  #open(): Channel | undefined {
    if (this.#channel !== undefined || this.#loadError !== undefined) return this.#channel;
    let grpc: typeof Grpc;
    try {
      grpc = grpcJs();
    } catch (error) {
      this.#loadError = String(error);
      diag.error('dynotel.tracing', 'cannot load @grpc/grpc-js; spans are not exported over gRPC', {
        error: this.#loadError,
      });
      return undefined;
    }
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(this.#options.headers)) {
      try {
        metadata.set(key, value);
      } catch (error) {
        // grpc-js refuses some keys (binary `-bin` keys need Buffer values, illegal characters).
        diag.warn('dynotel.tracing', 'OTLP header skipped: not a valid gRPC metadata entry', {
          header: key,
          error: String(error),
        });
      }
    }
    this.#channel = { client: this.#createClient(grpc), metadata };
    return this.#channel;
  }

  #createClient(grpc: typeof Grpc): Grpc.Client {
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
    const channel = this.#channel;
    if (++this.#consecutiveDeadlines < MAX_CONSECUTIVE_DEADLINES || this.#closed || channel === undefined)
      return;
    this.#consecutiveDeadlines = 0;
    const stale = channel.client;
    channel.client = this.#createClient(grpcJs());
    stale.close();
  }

  send(body: Uint8Array, deadline: number): Promise<AttemptResult> {
    if (this.#closed) return TRANSPORT_CLOSED;
    const channel = this.#open();
    if (channel === undefined) {
      return Promise.resolve({
        kind: 'failure',
        retryable: false,
        code: GRPC_LOAD_FAILED,
        message: `cannot load @grpc/grpc-js: ${this.#loadError}`,
      });
    }
    return new Promise((resolve) => {
      const call = channel.client.makeUnaryRequest(
        EXPORT_PATH,
        passThrough,
        passThrough,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        channel.metadata,
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
    this.#channel?.client.close();
  }
}
