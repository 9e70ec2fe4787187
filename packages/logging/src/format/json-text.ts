import pino from 'pino';

/**
 * JSON text for log values, safe for line-oriented collectors: the result never contains a raw line
 * break of any kind (LF, CR, U+2028, U+2029), a raw control character (C0, DEL, C1) or a lone surrogate,
 * so every record stays exactly one line whatever the input.
 */

// Characters JSON.stringify leaves raw but that split lines in some readers or drive terminals.
const UNSAFE_AFTER_STRINGIFY = /[\u007f-\u009f\u2028\u2029]/;
const UNSAFE_AFTER_STRINGIFY_GLOBAL = /[\u007f-\u009f\u2028\u2029]/g;

function escapeChar(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function escapeRemaining(json: string): string {
  return UNSAFE_AFTER_STRINGIFY.test(json) ? json.replace(UNSAFE_AFTER_STRINGIFY_GLOBAL, escapeChar) : json;
}

// Written by `flat` so that the conversion it calls cannot be dropped as unused by the optimiser.
let _flattenSink = 0;

/**
 * `text` as one flat string. Concatenation makes a tree of pieces (a V8 cons string), and writing a line
 * copies every piece of its tree into one buffer: a piece reused on many lines (a key prefix, a level
 * head, a binding) is made flat once here, so each line walks one node for it instead of several. Not
 * for pieces used once, such as a request's correlation fragments: flattening those costs more.
 * Converting to a number flattens the string in place; its result is thrown away.
 */
export function flat(text: string): string {
  _flattenSink ^= Number(text) | 0;
  return text;
}

/** Cuts `text` to `max` UTF-16 units and says how much was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[truncated ${text.length - max} chars]`;
}

// Any character outside printable ASCII, or `"` or `\`: what JSON.stringify would escape, and more.
const NEEDS_ESCAPING = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * Below this length a `charCodeAt` loop checks a text faster than the regular expression (whose call
 * costs more than a few characters); above it the expression's compiled scan is faster, about twice on
 * the 36-character ids every line carries.
 */
const SHORT_TEXT = 12;

function isPlainAscii(text: string): boolean {
  const length = text.length;
  if (length >= SHORT_TEXT) return !NEEDS_ESCAPING.test(text);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 || code === 34 || code === 92 || code > 126) return false;
  }
  return true;
}

/** A JSON string literal for `text`. Printable ASCII without `"` or `\` (the common case) is not copied. */
export function quote(text: string, max: number): string {
  if (text.length > max) text = truncate(text, max);
  return isPlainAscii(text) ? `"${text}"` : escapeRemaining(JSON.stringify(text));
}

const errorSerializer = pino.stdSerializers.err;

function stringifyStrict(value: unknown): string | undefined {
  return JSON.stringify(value, replacer);
}

// Errors anywhere in a value are written with their type, message, stack and causes (pino's err
// serializer); bigints as numbers.
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return errorSerializer(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * Circular structures, throwing getters and `toJSON`: degrade to a marked value, never throw. Only a
 * reference back to an ancestor is `[Circular]`; the same object twice side by side is written twice.
 */
function stringifyLenient(value: unknown): string | undefined {
  const ancestors: unknown[] = [];
  try {
    return JSON.stringify(value, function (this: unknown, key, v: unknown) {
      // `this` is the object holding `key`: drop the ancestors we have left.
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
      const replaced = replacer(key, v);
      if (typeof replaced === 'object' && replaced !== null) {
        if (ancestors.includes(replaced)) return '[Circular]';
        ancestors.push(replaced);
      }
      return replaced;
    });
  } catch {
    return '"[unserializable]"';
  }
}

/**
 * JSON text for any field value, or `undefined` when the value has no JSON form (functions, symbols,
 * `undefined`), so the field is left out. Non-finite numbers become `null`.
 */
export function jsonValue(value: unknown, max: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value, max);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default: {
      if (value === null) return 'null';
      let json: string | undefined;
      try {
        json = stringifyStrict(value);
      } catch {
        json = stringifyLenient(value);
      }
      if (json === undefined) return undefined;
      // A huge object becomes a string holding the start of its JSON: still one valid line.
      if (json.length > max) return quote(json, max);
      return escapeRemaining(json);
    }
  }
}

/** Message text from whatever was passed as the message: strings as they are, anything else as JSON. */
export function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' || typeof value === 'bigint') {
    const json = jsonValue(value, Number.POSITIVE_INFINITY);
    return json ?? '';
  }
  return String(value);
}
