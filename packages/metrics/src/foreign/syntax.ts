/** Character-level rules shared by the parser, the serializer and the injector. */

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Decimal floats only: Go's ParseFloat extras (`1_2`, `0x1p-3`, `0b1`) are rejected by the reference parser.
const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const NOT_A_NUMBER = /^nan$/i;
const INTEGER = /^[+-]?\d+$/;

/** A sample value or `le`/`quantile`: decimal float, `NaN`, `±Inf` (case-insensitive, as Go parses). */
export function parseFloatToken(token: string): number | undefined {
  if (DECIMAL_FLOAT.test(token)) return Number(token);
  const inf = INFINITY.exec(token);
  if (inf !== null) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (NOT_A_NUMBER.test(token)) return Number.NaN;
  return undefined;
}

/** A finite decimal float (OpenMetrics timestamps). */
export function parseFiniteDecimal(token: string): number | undefined {
  return DECIMAL_FLOAT.test(token) ? Number(token) : undefined;
}

/** A 0.0.4 timestamp: an integer number of milliseconds. */
export function parseIntegerToken(token: string): number | undefined {
  if (!INTEGER.test(token)) return undefined;
  const value = Number(token);
  return Number.isSafeInteger(value) ? value : undefined;
}

// In a `u` regex a surrogate pair is one code point, so this matches only unpaired surrogates, which is
// how invalid UTF-8 shows up once text is a JS string (and what would be mangled on the way out).
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
