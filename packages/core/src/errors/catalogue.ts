import { DynotelError, type DynotelErrorCodeFormat } from './dynotel-error.ts';

/**
 * An error catalogue maps each stable code of one package to a one-sentence description of when it is
 * thrown. docs/errors.md is generated from every package's catalogue, and a test keeps them in sync.
 */
export type ErrorCatalogue<Code extends DynotelErrorCodeFormat = DynotelErrorCodeFormat> = Readonly<
  Record<Code, string>
>;

const CODE_FORMAT = /^ERR_DYNOTEL_[A-Z0-9_]+$/;

export function defineErrorCatalogue<const Code extends DynotelErrorCodeFormat>(
  packageName: string,
  catalogue: Record<Code, string>,
): { readonly packageName: string; readonly errors: ErrorCatalogue<Code> } {
  for (const code of Object.keys(catalogue)) {
    if (!CODE_FORMAT.test(code)) {
      throw new DynotelError(
        'ERR_DYNOTEL_INTERNAL',
        `error code '${code}' of ${packageName} must match ${CODE_FORMAT}`,
        {
          details: { packageName, code },
        },
      );
    }
  }
  return Object.freeze({ packageName, errors: Object.freeze({ ...catalogue }) });
}
