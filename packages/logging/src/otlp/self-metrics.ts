import { selfMetrics } from '@dynotel/core';

/**
 * The OTLP log pipeline's accounting, defined once: every record handed to it ends either acknowledged
 * (`dynotel_log_records_exported_total`) or dropped with a reason, so exported + Σ dropped = records
 * emitted, exactly. `reason`: `queue_full` (the batch queue was at its bound), `export_failed` (the
 * exporter reported a failure: collector down, a refusal, its retries ran out), `export_timeout` (the
 * exporter did not answer within the batch export timeout), `shutdown` (still queued or in flight when
 * the shutdown budget ended, or emitted after the pipeline was shut down).
 */
export const logRecordsExported = selfMetrics.counter(
  'dynotel_log_records_exported_total',
  'Log records the OTLP collector acknowledged.',
  { initial: [{}] },
);

export type LogRecordDropReason = 'queue_full' | 'export_failed' | 'export_timeout' | 'shutdown';

export const logRecordsDropped = selfMetrics.counter(
  'dynotel_log_records_dropped_total',
  'Log records handed to the OTLP log pipeline that were never delivered, by reason.',
  {
    initial: (['queue_full', 'export_failed', 'export_timeout', 'shutdown'] as const).map((reason) => ({
      reason,
    })),
  },
);
