import { DynotelError } from '@dynotel/core';
import type { HealthErrorCode } from './errors.ts';

/** Validation helpers shared by the factories: each throws a coded error naming the option and value. */

export function invalidOption(
  option: string,
  value: unknown,
  accepted: string,
): DynotelError<HealthErrorCode> {
  return new DynotelError(
    'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
    `option '${option}' has the value ${describe(value)}; accepted: ${accepted}`,
    { details: { option, value: describe(value), accepted } },
  );
}

export function invalidArgument(
  argument: string,
  value: unknown,
  accepted: string,
): DynotelError<HealthErrorCode> {
  return new DynotelError(
    'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT',
    `argument '${argument}' has the value ${describe(value)}; accepted: ${accepted}`,
    { details: { argument, value: describe(value), accepted } },
  );
}

/** A duration option in milliseconds: finite and >= min (default 0). Undefined gives the default. */
export function durationOption(option: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalidOption(option, value, `a finite number of milliseconds >= ${min}`);
  }
  return value;
}

export function pathOption(option: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/') || /[\s?#]/.test(value)) {
    throw invalidOption(option, value, "a path starting with '/' without spaces, '?' or '#'");
  }
  return value;
}

export function nameArgument(argument: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(argument, value, 'a non-empty string');
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
