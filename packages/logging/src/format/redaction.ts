import { DynotelError } from '@dynotel/core';
import Redact from '@pinojs/redact';
import type pino from 'pino';

/** pino's `redact` option: paths, or `{ paths, censor, remove }` (https://getpino.io/#/docs/redaction). */
export type RedactOption = NonNullable<pino.LoggerOptions['redact']>;

/** Returns a redacted copy of a call's fields (or of bindings); the caller's object is never changed. */
export type Redactor = (fields: Record<string, unknown>) => Record<string, unknown>;

/** pino's censor when none is given (`lib/redaction.js`). */
const PINO_CENSOR = '[Redacted]';

function invalidRedact(argument: string, value: unknown, reason: string): DynotelError {
  return new DynotelError(
    'ERR_DYNOTEL_LOGGING_INVALID_OPTION',
    `${argument} is not a valid pino redact option: ${reason}`,
    {
      details: {
        argument,
        value: safeShow(value),
        accepted:
          'an array of paths, or { paths: string[], censor?: value | (value, path) => value, remove?: boolean }',
      },
    },
  );
}

/**
 * pino's `redact` with pino's own semantics and its own library (`@pinojs/redact`, what pino 10 uses):
 * paths as pino documents them (`a.b`, `a["b-c"]`, `a[0]`, wildcards `a.*`, `*.b`); the censor defaults
 * to `[Redacted]`; a censor function gets the value and the path as an array of keys; `remove: true`
 * drops the key. Applied to a call's fields after the serializers (as pino does) and to child bindings,
 * so every line (JSONL, readable) and OTLP record carries the redacted values. Undefined: no redaction.
 */
export function createRedactor(option: RedactOption | undefined, argument = 'redact'): Redactor | undefined {
  if (option === undefined) return undefined;
  let paths: unknown;
  let censor: unknown = PINO_CENSOR;
  let remove = false;
  if (Array.isArray(option)) paths = option;
  else if (typeof option === 'object' && option !== null) {
    paths = option.paths;
    if (option.censor !== undefined) censor = option.censor;
    if (option.remove !== undefined && typeof option.remove !== 'boolean')
      throw invalidRedact(argument, option, '`remove` must be a boolean');
    remove = option.remove === true;
  } else throw invalidRedact(argument, option, 'expected an array or an object');
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string'))
    throw invalidRedact(argument, option, '`paths` must be an array of strings');
  if (paths.length === 0) return undefined;
  let redact: (input: Record<string, unknown>) => unknown;
  try {
    redact = Redact({
      paths: [...paths],
      censor: censor as string,
      remove,
      // Identity: the redacted copy itself, without the `restore` key `serialize: false` would add.
      serialize: (value: unknown) => value,
      strict: false,
    });
  } catch (error) {
    throw invalidRedact(argument, option, error instanceof Error ? error.message : String(error));
  }
  return (fields) => redact(fields) as Record<string, unknown>;
}

function safeShow(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
