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

/**
 * Log calls whose fields could not be read (a throwing getter or toJSON at the top level, a Proxy trap,
 * printf arguments that cannot be formatted, child bindings that cannot be read): the call's and the
 * request context's fields are replaced by `log_error`, and the line keeps its level, message and
 * correlation keys. (`reason` leaves room for other kinds of dropped fields.)
 */
export const logFieldsDropped = selfMetrics.counter(
  'dynotel_log_fields_dropped_total',
  'Log calls whose fields were dropped because reading them threw, by reason.',
  { initial: [{ reason: 'unserializable' }] },
);
