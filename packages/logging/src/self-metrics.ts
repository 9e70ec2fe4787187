import { selfMetrics } from '@dynotel/core';

/**
 * Lines the logger could not write. `reason`: `buffer_full` (the destination is stalled and the bounded
 * buffer is full), `closed` (the destination is gone: EPIPE, closed fd), `write_error` (any other write
 * failure), `exit_timeout` (still buffered when the exit flush gave up).
 */
export const logLinesDropped = selfMetrics.counter(
  'dynotel_log_lines_dropped_total',
  'Log lines dynotel could not write, by reason.',
  { initial: ['buffer_full', 'closed', 'write_error', 'exit_timeout'].map((reason) => ({ reason })) },
);

/** Log records that could not be handed to the OTLP logger provider. */
export const logRecordsExportFailed = selfMetrics.counter(
  'dynotel_log_records_export_failed_total',
  'Log records that could not be passed to the OTLP log pipeline.',
  { initial: [{}] },
);
