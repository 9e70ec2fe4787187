import type { TraceState } from '@opentelemetry/api';

/**
 * `tracestate` as W3C Trace Context Level 2 defines it (spec/20-http_request_header_format.md of
 * w3c/trace-context, and its test suite's `Tracestate` class):
 *
 *   list   = list-member 0*31( OWS "," OWS list-member )
 *   key    = ( lcalpha / DIGIT ) 0*255( keychar )          ; at most 256 characters
 *   keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
 *   value  = 0*255(chr) nblk-chr                            ; printable ASCII but "," and "=",
 *                                                           ; no trailing space
 *
 * Level 1 (and `@opentelemetry/core`'s TraceState) required a key to start with a letter and split it at
 * one `@` into tenant (≤241) and system (≤14): valid Level 2 keys such as `1foo`, `foo@bar@baz` or
 * `t@vvvvvvvvvvvvvvv` were dropped there. Empty list members (`a=1,,b=2`) are allowed and skipped.
 *
 * Parsing is all or nothing: a header with an invalid member or with more than 32 members is discarded
 * whole (the spec allows discarding it; a partial list could drop the member the caller's vendor needs
 * and keep a forged one). A duplicated key keeps its first (left-most) value.
 */
export class W3CTraceState implements TraceState {
  /** Members left to right, keys unique. */
  readonly #members: ReadonlyArray<readonly [string, string]>;

  private constructor(members: ReadonlyArray<readonly [string, string]>) {
    this.#members = members;
  }

  /** The trace state a header value describes, or `undefined` when it is invalid or has no member. */
  static parse(header: string): W3CTraceState | undefined {
    const members: [string, string][] = [];
    const seen = new Set<string>();
    for (const raw of header.split(',')) {
      const member = trimOws(raw);
      if (member === '') continue;
      const equals = member.indexOf('=');
      if (equals <= 0) return undefined;
      const key = member.slice(0, equals);
      const value = member.slice(equals + 1);
      if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return undefined;
      if (seen.has(key)) continue;
      seen.add(key);
      members.push([key, value]);
      if (members.length > MAX_MEMBERS) return undefined;
    }
    return members.length === 0 ? undefined : new W3CTraceState(members);
  }

  /** A trace state from members in order (invalid members throw nothing: they are skipped). */
  static of(members: Iterable<readonly [string, string]>): W3CTraceState {
    let state = new W3CTraceState([]);
    for (const [key, value] of [...members].reverse()) state = state.set(key, value);
    return state;
  }

  get(key: string): string | undefined {
    for (const [name, value] of this.#members) if (name === key) return value;
    return undefined;
  }

  /**
   * A new state with `key=value` as the left-most member (the spec: a vendor that updates its entry
   * moves it to the front); an invalid key or value leaves the state unchanged. Past 32 members the
   * right-most ones are removed.
   */
  set(key: string, value: string): W3CTraceState {
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    const rest = this.#members.filter(([name]) => name !== key);
    return new W3CTraceState([[key, value] as const, ...rest].slice(0, MAX_MEMBERS));
  }

  unset(key: string): W3CTraceState {
    const rest = this.#members.filter(([name]) => name !== key);
    return rest.length === this.#members.length ? this : new W3CTraceState(rest);
  }

  /** The members, left to right. */
  entries(): ReadonlyArray<readonly [string, string]> {
    return this.#members;
  }

  /**
   * The header value, at most `maxLength` characters (default 512, what the spec asks vendors to
   * propagate at least): when longer, members longer than 128 characters are removed first, right-most
   * first, then members from the right end, until it fits (spec §tracestate limits).
   */
  serialize(maxLength: number = MAX_PROPAGATED_LENGTH): string {
    const members = this.#members.map(([key, value]) => `${key}=${value}`);
    let length = serializedLength(members);
    for (let i = members.length - 1; i >= 0 && length > maxLength; i--) {
      const member = members[i] as string;
      if (member.length > LARGE_MEMBER_LENGTH) {
        members.splice(i, 1);
        length = serializedLength(members);
      }
    }
    while (length > maxLength && members.length > 0) {
      members.pop();
      length = serializedLength(members);
    }
    return members.join(',');
  }
}

/** The most list members a `tracestate` may have. */
export const MAX_MEMBERS = 32;
/** What vendors SHOULD propagate at least (commas included, OWS not). */
export const MAX_PROPAGATED_LENGTH = 512;
/** Members longer than this are the first removed when a `tracestate` must be shortened. */
export const LARGE_MEMBER_LENGTH = 128;

function serializedLength(members: readonly string[]): number {
  let length = members.length === 0 ? 0 : members.length - 1;
  for (const member of members) length += member.length;
  return length;
}

const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 256;

/** The Level 2 key grammar: `( lcalpha / DIGIT ) 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@" )`. */
export function isValidTraceStateKey(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > MAX_KEY_LENGTH) return false;
  const first = key.charCodeAt(0);
  if (!isLcAlpha(first) && !isDigit(first)) return false;
  for (let i = 1; i < length; i++) {
    const c = key.charCodeAt(i);
    if (!(isLcAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f || c === 0x40))
      return false;
  }
  return true;
}

/** `0*255(chr) nblk-chr`: 1–256 characters of 0x20–0x7E without `,` and `=`, not ending in a space. */
export function isValidTraceStateValue(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > MAX_VALUE_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c || c === 0x3d) return false;
  }
  return value.charCodeAt(length - 1) !== 0x20;
}

function isLcAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}
