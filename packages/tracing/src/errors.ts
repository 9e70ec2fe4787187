import { defineErrorCatalogue } from '@dynotel/core';

export const tracingErrors = defineErrorCatalogue('@dynotel/tracing', {
  ERR_DYNOTEL_TRACING_INVALID_OPTION:
    'createTracing() got an option outside its accepted form (an unknown protocol or sampler, a malformed endpoint, a negative or non-integer size or timeout); the message names the option, the value and what is accepted.',
});

export type TracingErrorCode = keyof typeof tracingErrors.errors;
