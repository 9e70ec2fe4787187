/**
 * Sizes of the reliability suite. `RELIABILITY_SHORT=1` is the CI version (minutes on 2 cores); the
 * default is the full run; `RELIABILITY_SOAK_SECONDS` overrides the soak length (manual long runs).
 */
export const SHORT = process.env.RELIABILITY_SHORT === '1';

/** Picks the short or the full size. */
export function sized<T>(short: T, full: T): T {
  return SHORT ? short : full;
}
