import { defineErrorCatalogue } from './catalogue.ts';

export const coreErrors = defineErrorCatalogue('@dynotel/core', {
  ERR_DYNOTEL_CONFIG_INVALID:
    'Strict mode: one or more environment variables or options have values outside their accepted form. The message lists every problem.',
  ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION: 'An option passed in code names no setting of the configuration table.',
  ERR_DYNOTEL_CONTEXT_MISSING:
    'requireRequestContext() was called outside a request context (no middleware or runWithRequestContext() above it).',
});

export type CoreErrorCode = keyof typeof coreErrors.errors;
