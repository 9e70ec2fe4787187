import { selfMetrics } from '@dynotel/core';

/**
 * The tracing package's self-metrics, defined once. Labels:
 * - `reason` of a dropped span: `queue_full` (the batch queue was at maxQueueSize), `non_retryable`
 *   (the collector refused the batch with a code the OTLP spec says must not be retried), `retries_exhausted`
 *   (still failing when the export timeout ran out), `rejected` (partial success: the collector accepted
 *   the request but rejected these spans), `shutdown` (still queued or in flight when shutdown gave up),
 *   `export_timeout` (an exporter did not answer within the batch export timeout), `export_failed` (a
 *   custom exporter reported a failure), `exit` (still queued or being exported when the process exited
 *   without a shutdown, e.g. the application's own `process.exit()`; also named on the last log line).
 * - `protocol` (`grpc`, `http/protobuf`) and `code` (gRPC status name, `HTTP_<status>`, `NETWORK`, or
 *   `LOAD_FAILED`: @grpc/grpc-js could not be loaded) of a failed export attempt.
 */
export const spansExported = selfMetrics.counter(
  'dynotel_spans_exported_total',
  'Spans the OTLP collector acknowledged.',
  { initial: [{}] },
);

export const spansDropped = selfMetrics.counter(
  'dynotel_spans_dropped_total',
  'Finished spans that were never delivered, by reason.',
  {
    initial: [
      'queue_full',
      'non_retryable',
      'retries_exhausted',
      'rejected',
      'shutdown',
      'export_timeout',
      'export_failed',
      'exit',
    ].map((reason) => ({ reason })),
  },
);

export const spanExportFailures = selfMetrics.counter(
  'dynotel_span_export_failures_total',
  'Failed OTLP span export attempts (each retry counts), by protocol and status code.',
);

export type DropReason =
  | 'queue_full'
  | 'non_retryable'
  | 'retries_exhausted'
  | 'rejected'
  | 'shutdown'
  | 'export_timeout'
  | 'export_failed'
  | 'exit';
