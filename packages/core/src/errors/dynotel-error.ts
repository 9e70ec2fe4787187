/**
 * Every error dynotel throws is a DynotelError with a stable `code`. The codes and their meanings are
 * catalogued per package (see `defineErrorCatalogue`) and rendered into docs/errors.md; a static test
 * checks that every code a package's sources construct is in that package's catalogue.
 */

// A brand on a global symbol, so `isDynotelError` works across duplicate installs of the package
// (undici's habit): `instanceof` fails when two copies of @dynotel/core are loaded.
const brand = Symbol.for('dynotel.error');

/** The form of every dynotel error code (`defineErrorCatalogue` checks it at run time too). */
export type DynotelErrorCodeFormat = `ERR_DYNOTEL_${string}`;

export interface DynotelErrorOptions {
  cause?: unknown;
  /** Structured details (the variable, the value, what is accepted). Never contains secrets. */
  details?: Readonly<Record<string, unknown>>;
}

export class DynotelError<Code extends DynotelErrorCodeFormat = DynotelErrorCodeFormat> extends Error {
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

/**
 * Whether `value` is a DynotelError (from any installed copy of @dynotel/core). Given a package's
 * catalogue (`tracingErrors`, `healthErrors`, ...), also whether its code is one of that catalogue's,
 * narrowing `code` to the catalogue's union so a `switch` over it is checked for exhaustiveness.
 */
export function isDynotelError(value: unknown): value is DynotelError;
export function isDynotelError<Code extends DynotelErrorCodeFormat>(
  value: unknown,
  catalogue: { readonly errors: Readonly<Record<Code, string>> },
): value is DynotelError<Code>;
export function isDynotelError(
  value: unknown,
  catalogue?: { readonly errors: Readonly<Record<string, string>> },
): boolean {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[brand] !== true) {
    return false;
  }
  if (catalogue === undefined) return true;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' && Object.hasOwn(catalogue.errors, code);
}
