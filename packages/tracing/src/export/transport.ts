import type { OtlpProtocol } from '../options.ts';

/** The outcome of one export attempt. */
export type AttemptResult =
  | { readonly kind: 'success'; readonly response: Uint8Array }
  | {
      readonly kind: 'failure';
      readonly retryable: boolean;
      /** gRPC status name, `HTTP_<status>` or `NETWORK`: the `code` label of the failure counter. */
      readonly code: string;
      readonly message: string;
      /** What the server asked for (RetryInfo or Retry-After), in ms. */
      readonly retryAfterMs?: number | undefined;
    };

/** What a transport answers once it is closed: final, never retried. */
export const TRANSPORT_CLOSED: Promise<AttemptResult> = Promise.resolve({
  kind: 'failure',
  retryable: false,
  code: 'CANCELLED',
  message: 'exporter is shut down',
});

/** Sends one serialized ExportTraceServiceRequest. Never throws and never outlives `deadline`. */
export interface OtlpTransport {
  readonly protocol: OtlpProtocol;
  /**
   * Whether the body is no longer read once `send` has settled, so the caller may write the next request
   * into the same memory. gRPC: grpc-js copies the body into its own frame before sending, and a call
   * that ended sends nothing more. Not HTTP: a collector may answer before it has read the whole body,
   * while the socket is still writing it from the caller's memory.
   */
  readonly releasesBodyOnSettle: boolean;
  send(body: Uint8Array, deadline: number): Promise<AttemptResult>;
  /** Cancels requests in flight (they resolve as failures) and releases connections. */
  shutdown(): void;
}
