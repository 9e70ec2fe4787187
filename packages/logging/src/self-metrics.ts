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
 * Log fields left out of a line, by reason. `unserializable`: reading the call's fields threw (a throwing
 * getter or toJSON at the top level, a Proxy trap, printf arguments that cannot be formatted, child
 * bindings that cannot be read); the call's and the request context's fields are replaced by
 * `log_error`, and the line keeps its level, message and correlation keys (counted once per call).
 * `reserved_key`: a field named like a key the logger writes itself and no caller can mean (`time`,
 * `level`, `file`, `line`, `trace_id`, `span_id`, `x_request_id`, `request_id`), counted per field.
 */
export const logFieldsDropped = selfMetrics.counter(
  'dynotel_log_fields_dropped_total',
  'Log fields left out of a line, by reason (unserializable: reading them threw; reserved_key: a key the logger writes itself).',
  { initial: [{ reason: 'unserializable' }, { reason: 'reserved_key' }] },
);
