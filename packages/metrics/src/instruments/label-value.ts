import { labelValuesTruncated } from '../self-metrics.ts';

/** Default cap on a label value, in UTF-16 code units. Prometheus has no default limit; 1 KiB is generous. */
export const DEFAULT_MAX_LABEL_VALUE_LENGTH = 1024;

// String.prototype.isWellFormed is ES2024, beyond our lib target; the same check as a regex.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Replaces each unpaired surrogate with U+FFFD, as a UTF-8 encoder does on the wire (String#toWellFormed
 * is ES2024). Label values and HELP texts go through it so the exposition text itself is valid UTF-8.
 */
export function replaceLoneSurrogates(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE_ALL, '\uFFFD') : text;
}

/**
 * Makes a label value safe to keep: a string, well-formed UTF-16 (a lone surrogate would become invalid
 * UTF-8, which parsers reject), and at most `maxLength` code units, cut on a character boundary so a
 * surrogate pair is never split. Returns the value and whether it was truncated.
 */
export function normaliseLabelValue(raw: unknown, maxLength: number): { value: string; truncated: boolean } {
  let value = typeof raw === 'string' ? raw : String(raw);
  value = replaceLoneSurrogates(value);
  if (value.length <= maxLength) return { value, truncated: false };
  let end = maxLength;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // high surrogate whose pair would be cut off
  labelValuesTruncated.inc();
  return { value: value.slice(0, end), truncated: true };
}
