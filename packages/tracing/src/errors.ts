import { defineErrorCatalogue } from '@dynotel/core';

export const tracingErrors = defineErrorCatalogue('@dynotel/tracing', {
  ERR_DYNOTEL_TRACING_INVALID_OPTION:
    'createTracing() got an option outside its accepted form (an unknown protocol or sampler, a malformed endpoint, a negative or non-integer size or timeout); the message names the option, the value and what is accepted.',
  ERR_DYNOTEL_TRACING_EXPORT_FAILED:
    'An OTLP span export failed (collector unreachable, non-retryable status, partial success, export budget spent). Never thrown at the host: it is the error of the export result, and the dropped spans are counted in dynotel_spans_dropped_total{reason}.',
});

export type TracingErrorCode = keyof typeof tracingErrors.errors;
