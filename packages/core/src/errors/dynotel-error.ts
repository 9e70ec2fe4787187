/**
 * Every error dynotel throws is a DynotelError with a stable `code`. The codes and their meanings are
 * catalogued per package (see `defineErrorCatalogue`) and rendered into docs/errors.md.
 */

// A brand on a global symbol, so `isDynotelError` works across duplicate installs of the package
// (undici's habit): `instanceof` fails when two copies of @dynotel/core are loaded.
const brand = Symbol.for('dynotel.error');

export interface DynotelErrorOptions {
  cause?: unknown;
  /** Structured details (the variable, the value, what is accepted). Never contains secrets. */
  details?: Readonly<Record<string, unknown>>;
}

export class DynotelError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, options: DynotelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DynotelError';
    this.code = code;
    this.details = options.details;
    Object.defineProperty(this, brand, { value: true });
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

export function isDynotelError(value: unknown): value is DynotelError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
