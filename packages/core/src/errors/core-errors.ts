import { defineErrorCatalogue } from './catalogue.ts';

export const coreErrors = defineErrorCatalogue('@dynotel/core', {
  ERR_DYNOTEL_CONFIG_INVALID:
    'Strict mode: one or more environment variables or options have values outside their accepted form. The message lists every problem.',
  ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION: 'An option passed in code names no setting of the configuration table.',
  ERR_DYNOTEL_CONTEXT_MISSING:
    'requireRequestContext() was called outside a request context (no middleware or runWithRequestContext() above it).',
  ERR_DYNOTEL_SELF_METRIC_INVALID:
    'selfMetrics.counter() or gauge() got a name outside dynotel_[a-z0-9_]+ (counters must end in _total), or a name already defined as the other type.',
  ERR_DYNOTEL_INTERNAL:
    'An invariant inside dynotel does not hold (a catalogue code of the wrong form, a configuration row missing from the env table): a bug in dynotel, please report it.',
});

export type CoreErrorCode = keyof typeof coreErrors.errors;
