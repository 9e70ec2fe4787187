import type { OtlpProtocol } from './types.ts';

/** The two OTLP signals dynotel exports. */
export type OtlpSignal = 'traces' | 'logs';

/** The protocol defaults of the OTLP exporter spec (dynotel defaults to grpc, as Dynamo). */
export const DEFAULT_OTLP_ENDPOINTS: Readonly<Record<OtlpProtocol, string>> = {
  grpc: 'http://localhost:4317',
  'http/protobuf': 'http://localhost:4318',
};

export interface OtlpEndpointInput {
  readonly signal: OtlpSignal;
  readonly protocol: OtlpProtocol;
  /** OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT: used as is, whatever the protocol (OTel spec). */
  readonly specific?: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: a base URL; http/protobuf appends `v1/<signal>` to its path. */
  readonly generic?: string | undefined;
}

function appendSignalPath(base: string, signal: OtlpSignal): string {
  return base.endsWith('/') ? `${base}v1/${signal}` : `${base}/v1/${signal}`;
}

/**
 * THE rule for the URL an OTLP exporter sends one signal to (OTel spec, "OTLP Exporter Configuration",
 * endpoint URLs for OTLP/HTTP), the only place dynotel computes it:
 *
 * - a signal-specific endpoint is used as is (an http/protobuf one without a path posts to `/`);
 * - else the generic endpoint: as is for grpc, with `v1/traces` / `v1/logs` appended to its path for
 *   http/protobuf (a trailing `/` is not doubled);
 * - else the protocol default, with the same appending for http/protobuf.
 *
 * Core's config resolves `tracing.traces.endpoint` and `tracing.logs.endpoint` with it; the signal
 * packages use the URL they are given unchanged, and call this only for their own defaults.
 */
export function otlpSignalEndpoint(input: OtlpEndpointInput): string {
  if (input.specific !== undefined) return input.specific;
  const base = input.generic ?? DEFAULT_OTLP_ENDPOINTS[input.protocol];
  return input.protocol === 'grpc' ? base : appendSignalPath(base, input.signal);
}
