import { defineErrorCatalogue } from '@dynotel/core';

/** Every error code @dynotel/logging throws. Bad input is rejected when the logger is built, never per line. */
export const loggingErrors = defineErrorCatalogue('@dynotel/logging', {
  ERR_DYNOTEL_LOGGING_INVALID_OPTION:
    'createLogger() or createOtlpLoggerProvider() got an option value of the wrong type or outside the accepted range.',
  ERR_DYNOTEL_LOGGING_INVALID_DESTINATION:
    'createLogger() got a destination that is neither a file descriptor number nor a writable stream.',
});

export type LoggingErrorCode = keyof typeof loggingErrors.errors;
