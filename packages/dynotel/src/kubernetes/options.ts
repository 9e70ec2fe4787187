import { DynotelError } from '@dynotel/core';

function fail(helper: string, option: string, value: unknown, accepted: string): never {
  const shown =
    typeof value === 'string' ? `"${value}"` : typeof value === 'function' ? 'a function' : String(value);
  throw new DynotelError(
    'ERR_DYNOTEL_KUBERNETES_INVALID_OPTION',
    `${helper}: option "${option}" must be ${accepted}, got ${shown}`,
    { details: { helper, option, value: shown } },
  );
}

/** A label value Prometheus can carry: a non-empty string. */
export function requireResourceType(helper: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    fail(helper, 'resourceType', value, 'a non-empty string (the Kubernetes kind)');
  return value;
}

export function requireFunction<F>(helper: string, option: string, value: F): F {
  if (typeof value !== 'function') fail(helper, option, value, 'a function');
  return value;
}

export function requirePositiveInteger(helper: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    fail(helper, option, value, 'a positive integer');
  return value;
}

export function requirePath(helper: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/'))
    fail(helper, 'path', value, 'a route starting with "/"');
  return value;
}
