import { fields } from './proto-reader.ts';

/**
 * The partial success of an `ExportTraceServiceResponse` (OTLP 1.x), read with the wire-format reader
 * instead of @opentelemetry/otlp-transformer, whose index loads the metrics and logs SDKs too:
 *
 *   ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
 *   ExportTracePartialSuccess  { int64 rejected_spans = 1; string error_message = 2; }
 *
 * An empty body (the usual full success) and malformed input read as nothing rejected.
 */
export interface TracePartialSuccess {
  /** As sent; a negative int64 reads as a huge number, which the caller clamps to the batch size. */
  readonly rejectedSpans: number;
  readonly errorMessage: string;
}

export function decodeTracePartialSuccess(response: Uint8Array): TracePartialSuccess {
  let rejectedSpans = 0;
  let errorMessage = '';
  for (const field of fields(response)) {
    if (field.number !== 1 || field.bytes === undefined) continue;
    for (const partial of fields(field.bytes)) {
      if (partial.number === 1 && partial.varint !== undefined) rejectedSpans = partial.varint;
      if (partial.number === 2 && partial.bytes !== undefined)
        errorMessage = Buffer.from(partial.bytes).toString('utf8');
    }
  }
  return { rejectedSpans, errorMessage };
}
