import type { ParseResult, Parser } from './types.ts';

/**
 * Parsers for one environment value each. They receive the value already trimmed and non-blank (blank
 * means unset and never reaches them) and return the typed value or a failure with an optional reason.
 * The accepted form is stated once, in the table row, and quoted by the reader in the warning.
 */

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (reason?: string): ParseResult<never> =>
  reason === undefined ? { ok: false } : { ok: false, reason };

// Node's timers overflow above 2^31-1 ms and then fire at once, so no duration may exceed it.
export const MAX_TIMER_MS = 2_147_483_647;

const TRUTHY = new Set(['1', 'true', 'on', 'yes']);
const FALSY = new Set(['0', 'false', 'off', 'no']);

/** Dynamo's `env_is_truthy` set (case-insensitive); its negations are accepted as false. */
export const truthyBoolean: Parser<boolean> = (raw) => {
  const value = raw.toLowerCase();
  if (TRUTHY.has(value)) return ok(true);
  if (FALSY.has(value)) return ok(false);
  return fail();
};

/** The OTel spec's booleans: only case-insensitive `true` and `false`. */
export const otelBoolean: Parser<boolean> = (raw) => {
  const value = raw.toLowerCase();
  if (value === 'true') return ok(true);
  if (value === 'false') return ok(false);
  return fail();
};

const INTEGER = /^[+-]?\d+$/;

export function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!INTEGER.test(raw)) return fail('not an integer');
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) return fail('out of range');
    return ok(value);
  };
}

/** A TCP port, 0–65535. */
export const port: Parser<number> = integer(0, 65_535);

/** DYN_SYSTEM_PORT: any negative integer turns the server off (normalised to -1), 0 = random port. */
export const systemPort: Parser<number> = (raw) => {
  if (!INTEGER.test(raw)) return fail('not an integer');
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value > 65_535) return fail('out of range');
  return ok(value < 0 ? -1 : value);
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface DecimalBounds {
  readonly min: number;
  readonly max: number;
  /** When true, `min` itself is rejected (`> min`). */
  readonly exclusiveMin?: boolean;
}

export function decimal(bounds: DecimalBounds): Parser<number> {
  return (raw) => {
    if (!DECIMAL.test(raw)) return fail('not a number');
    const value = Number(raw);
    if (!Number.isFinite(value)) return fail('not finite');
    const belowMin = bounds.exclusiveMin === true ? value <= bounds.min : value < bounds.min;
    if (belowMin || value > bounds.max) return fail('out of range');
    return ok(value);
  };
}

/** Seconds (decimals allowed), returned in whole milliseconds. */
export function seconds(minSeconds: number, exclusiveMin = false): Parser<number> {
  const parse = decimal({ min: minSeconds, max: MAX_TIMER_MS / 1000, exclusiveMin });
  return (raw, context) => {
    const result = parse(raw, context);
    if (!result.ok) return result;
    const ms = Math.round(result.value * 1000);
    // `> 0` must still hold in milliseconds: 0.0001 or 1e-309 would otherwise become a 0 ms timeout,
    // which the packages reject at init().
    if (exclusiveMin && ms <= minSeconds * 1000) return fail('out of range');
    return ok(ms);
  };
}

/** Whole milliseconds (the OTel spec's unit for timeouts and delays). */
export function milliseconds(min: number): Parser<number> {
  return integer(min, MAX_TIMER_MS);
}

export function oneOf<const T extends string>(
  values: readonly T[],
  rejected: Readonly<Record<string, string>> = {},
): Parser<T> {
  return (raw) => {
    const value = raw.toLowerCase();
    const reason = rejected[value];
    if (reason !== undefined) return fail(reason);
    return (values as readonly string[]).includes(value) ? ok(value as T) : fail();
  };
}

// C0 controls and DEL: never valid in names, hosts or paths, and a log-injection risk.
const CONTROL = /[\u0000-\u001f\u007f]/;

export const text: Parser<string> = (raw) =>
  CONTROL.test(raw) ? fail('contains control characters') : ok(raw);

/**
 * A Dynamo hierarchy name (namespace, component, endpoint): Dynamo sanitises it into a label value and
 * fails when nothing but underscores is left, so at least one letter or digit is required here — the
 * variable falls back alone instead of breaking the metrics wiring later.
 */
export const hierarchyName: Parser<string> = (raw) =>
  CONTROL.test(raw)
    ? fail('contains control characters')
    : /[A-Za-z0-9]/.test(raw)
      ? ok(raw)
      : fail('has no letter or digit, so it sanitises to an empty label value');

/** A DYN_ENDPOINT value: Dynamo's `dyn://namespace.component.endpoint`, or a plain endpoint name. */
export interface EndpointPath {
  readonly namespace: string | undefined;
  readonly component: string | undefined;
  readonly endpoint: string;
}

const ENDPOINT_SCHEME = 'dyn://';

/**
 * Dynamo's endpoint path (`lib/runtime/src/protocols.rs`, `ENDPOINT_SCHEME = "dyn://"`): exactly three
 * dot-separated hierarchy names after the scheme. A value without the scheme and without dots is a plain
 * endpoint name (dynotel's earlier form, kept). Anything else is refused rather than taken silently as a
 * name: `dyn://ns.backend` used to become an endpoint called `dyn://ns.backend`.
 */
export const endpointPath: Parser<EndpointPath> = (raw) => {
  if (CONTROL.test(raw)) return fail('contains control characters');
  if (!raw.startsWith(ENDPOINT_SCHEME)) {
    if (raw.includes('://')) return fail('has a scheme other than dyn://');
    if (raw.includes('.')) return fail('has dots but not the dyn:// scheme');
    const name = hierarchyName(raw, {} as never);
    return name.ok ? ok({ namespace: undefined, component: undefined, endpoint: raw }) : fail(name.reason);
  }
  const parts = raw.slice(ENDPOINT_SCHEME.length).split('.');
  if (parts.length !== 3) return fail(`has ${parts.length} dot-separated part(s) after dyn://, not 3`);
  const [namespace, component, endpoint] = parts as [string, string, string];
  for (const [what, part] of [
    ['namespace', namespace],
    ['component', component],
    ['endpoint', endpoint],
  ] as const) {
    if (!/[A-Za-z0-9]/.test(part) || /[\s/]/.test(part)) return fail(`has an invalid ${what} part '${part}'`);
  }
  return ok({ namespace, component, endpoint });
};

export const host: Parser<string> = (raw) => (/^[^\s/?#@]+$/.test(raw) ? ok(raw) : fail());

/** A URL path for an HTTP route: starts with `/`, no whitespace, query or fragment. */
export const urlPath: Parser<string> = (raw) => (/^\/[^\s?#]*$/.test(raw) ? ok(raw) : fail());

export const filePath: Parser<string> = (raw) => (raw.includes('\u0000') ? fail() : ok(raw));

/** An absolute http(s) URL with a host, as the OTLP exporter spec requires. */
export const httpUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('the scheme must be http or https');
  if (url.hostname === '') return fail('no host');
  return ok(raw);
};

/**
 * A list of strings: a JSON array (`["generate"]`), or figment's unquoted array literal (`[generate, x]`)
 * that Dynamo also accepts.
 */
export const stringArray: Parser<readonly string[]> = (raw) => {
  if (!raw.startsWith('[') || !raw.endsWith(']')) return fail('not an array');
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string' && item !== '')) {
      return ok(Object.freeze([...parsed]));
    }
    return fail('every item must be a non-empty string');
  } catch {
    const inner = raw.slice(1, -1).trim();
    if (inner === '') return ok(Object.freeze([]));
    const items = inner.split(',').map((item) => item.trim().replace(/^(["'])(.*)\1$/, '$2'));
    if (items.some((item) => item === '' || /["'[\]{}]/.test(item))) return fail('not a valid array');
    return ok(Object.freeze(items));
  }
};

/** Deepest nesting accepted in a JSON object setting: deeper payloads overflow recursive code later. */
export const MAX_JSON_DEPTH = 100;

/** The deepest `{`/`[` nesting of JSON text (strings skipped), without parsing it. */
function jsonDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (inString) {
      if (code === 92)
        i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 123 || code === 91) deepest = Math.max(deepest, ++depth);
    else if (code === 125 || code === 93) depth--;
  }
  return deepest;
}

function parseJsonObject(json: string, where: string): ParseResult<Readonly<Record<string, unknown>>> {
  if (jsonDepth(json) > MAX_JSON_DEPTH)
    return fail(`${where} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return fail(`${where} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail(`${where} is JSON but not an object`);
  }
  return ok(parsed as Record<string, unknown>);
}

/** A JSON object, or `@/path/to/file.json` whose content is a JSON object. */
export const jsonObjectOrFile: Parser<Readonly<Record<string, unknown>> | undefined> = (raw, context) => {
  if (!raw.startsWith('@')) return parseJsonObject(raw, 'the value');
  const path = raw.slice(1).trim();
  if (path === '') return fail('no file after @');
  let content: string;
  try {
    content = context.readFile(path);
  } catch (error) {
    return fail(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseJsonObject(content, path);
};

// RFC 9110 token: what an HTTP header name may contain.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `key1=value1,key2=value2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_HEADERS). Any error discards the whole value, as the OTel spec says.
 * For headers the names must be HTTP tokens and decoded values must not contain CR/LF.
 */
export function keyValueList(kind: 'attributes' | 'headers'): Parser<Readonly<Record<string, string>>> {
  return (raw) => {
    const result: Record<string, string> = {};
    for (const pair of raw.split(',')) {
      if (pair.trim() === '') continue;
      const equals = pair.indexOf('=');
      if (equals <= 0) return fail(`'${kind === 'headers' ? '…' : pair.trim()}' is not key=value`);
      const key = pair.slice(0, equals).trim();
      let value: string;
      try {
        value = decodeURIComponent(pair.slice(equals + 1).trim());
      } catch {
        return fail(`the value of '${key}' has a bad percent-encoding`);
      }
      if (key === '') return fail('empty key');
      if (kind === 'headers') {
        if (!HEADER_NAME.test(key)) return fail(`'${key}' is not a valid header name`);
        if (/[\r\n\u0000]/.test(value)) return fail(`the value of '${key}' contains CR, LF or NUL`);
        result[key.toLowerCase()] = value;
      } else {
        if (CONTROL.test(key) || CONTROL.test(value)) return fail(`'${key}' contains control characters`);
        result[key] = value;
      }
    }
    return ok(Object.freeze(result));
  };
}

/** Dynamo's metric-name sanitiser; `undefined` when nothing usable is left (empty or all `_`). */
export function sanitizeMetricName(raw: string): string | undefined {
  let name = raw.replace(/[^a-zA-Z0-9_:]/g, '_');
  if (name !== '' && !/^[a-zA-Z_]/.test(name)) name = `_${name}`;
  return name === '' || /^_+$/.test(name) ? undefined : name;
}

export const metricPrefix: Parser<string> = (raw) => {
  const name = sanitizeMetricName(raw);
  return name === undefined ? fail('nothing is left after sanitising it as a metric name') : ok(name);
};

const U64_MAX = (1n << 64n) - 1n;

/**
 * An instance id (u64): decimal digits, `0x`-prefixed hex, or bare hex containing a letter
 * (a `worker_id` label value copied from a scrape). Returned as lowercase hex without `0x`.
 */
export const instanceId: Parser<string> = (raw) => {
  let value: bigint;
  if (/^\d+$/.test(raw)) value = BigInt(raw);
  else if (/^0x[0-9a-f]+$/i.test(raw)) value = BigInt(raw.toLowerCase());
  else if (/^[0-9a-f]+$/i.test(raw)) value = BigInt(`0x${raw}`);
  else return fail();
  if (value > U64_MAX) return fail('larger than 2^64-1');
  return ok(value.toString(16));
};

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'off'] as const;

/** DYN_LOG as a whole: control characters are refused; each directive is checked by log-directive.ts. */
export const logFilter: Parser<string> = (raw) =>
  CONTROL.test(raw) ? fail('contains control characters') : ok(raw);
