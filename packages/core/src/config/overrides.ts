import { DynotelError } from '../errors/dynotel-error.ts';
import { DERIVED_KEYS } from './derived.ts';
import { MAX_TIMER_MS } from './parsers.ts';
import type { ConfigProblem, EnvVariable, ParseContext } from './types.ts';

/**
 * Applies values passed in code over the env-derived config. Paths are checked against the table's
 * config keys: an unknown key throws ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION (a typo in code is a bug, not
 * an operator mistake); a value of the wrong type or form becomes a problem and the env value stays.
 * `undefined` means "not given".
 */
type Kind = 'boolean' | 'number' | 'milliseconds' | 'string' | 'string-array' | 'string-record' | 'object';

function kindOf(row: EnvVariable, key: string): Kind {
  switch (row.type) {
    case 'bool-truthy':
    case 'bool-otel':
      return 'boolean';
    case 'int':
    case 'port':
    case 'float':
    case 'duration-ms':
      return 'number';
    case 'duration-seconds':
      return 'milliseconds';
    case 'json-array':
      return 'string-array';
    case 'key-value-list':
      return 'string-record';
    case 'json-object-or-file':
      return 'object';
    case 'toml-file':
      return key.endsWith('Filters') ? 'string-record' : 'string';
    default:
      return 'string';
  }
}

interface Leaf {
  readonly row: EnvVariable;
  readonly kind: Kind;
}

let leavesCache: Map<string, Leaf> | undefined;

function leaves(table: readonly EnvVariable[]): Map<string, Leaf> {
  if (leavesCache !== undefined) return leavesCache;
  const map = new Map<string, Leaf>();
  for (const row of table) {
    for (const key of row.keys) if (!map.has(key)) map.set(key, { row, kind: kindOf(row, key) });
  }
  leavesCache = map;
  return map;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the value to store, or a reason it is rejected. */
function check(leaf: Leaf, value: unknown, context: ParseContext): { value: unknown } | { reason: string } {
  const { row, kind } = leaf;
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { reason: 'expected a boolean' };
    case 'milliseconds':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TIMER_MS
        ? { value }
        : { reason: `expected whole milliseconds from 0 to ${MAX_TIMER_MS}` };
    case 'number': {
      if (typeof value !== 'number') return { reason: 'expected a number' };
      const parsed = row.parse(String(value), context);
      return parsed.ok ? { value: parsed.value } : { reason: `expected ${row.accepted}` };
    }
    case 'string': {
      if (typeof value !== 'string') return { reason: 'expected a string' };
      if (row.type === 'toml-file' || row.type === 'json-object-or-file') return { value };
      const parsed = row.parse(value, context);
      return parsed.ok ? { value: parsed.value } : { reason: `expected ${row.accepted}` };
    }
    case 'string-array':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? { value: [...value] }
        : { reason: 'expected an array of strings' };
    case 'string-record':
      return isPlainObject(value) && Object.values(value).every((item) => typeof item === 'string')
        ? { value: { ...value } }
        : { reason: 'expected an object of string values' };
    case 'object':
      return isPlainObject(value) ? { value } : { reason: 'expected a plain object' };
  }
}

export function applyOverrides(
  target: Record<string, unknown>,
  overrides: unknown,
  table: readonly EnvVariable[],
  context: ParseContext,
  problems: ConfigProblem[],
  prefix = '',
): void {
  if (!isPlainObject(overrides)) {
    throw new DynotelError(
      'ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION',
      `overrides${prefix === '' ? '' : `.${prefix}`} must be an object`,
    );
  }
  const known = leaves(table);
  for (const [key, value] of Object.entries(overrides)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value === undefined) continue;
    const derivedFrom = DERIVED_KEYS.get(path);
    if (derivedFrom !== undefined) {
      throw new DynotelError(
        'ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION',
        `overrides.${path} is derived from ${derivedFrom}; set overrides.${derivedFrom} instead`,
        { details: { option: path, derivedFrom } },
      );
    }
    const leaf = known.get(path);
    if (leaf === undefined) {
      const group = target[key];
      if (!Object.hasOwn(target, key) || !isPlainObject(group) || path === 'strict') {
        throw new DynotelError(
          'ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION',
          `overrides.${path} names no setting of the configuration`,
          {
            details: { option: path },
          },
        );
      }
      const copy = { ...group };
      applyOverrides(copy, value, table, context, problems, path);
      target[key] = copy;
      continue;
    }
    const result = check(leaf, value, context);
    if ('value' in result) {
      target[key] = result.value;
      continue;
    }
    const shown = leaf.row.secret ? '<redacted>' : safeShow(value);
    problems.push({
      variable: `overrides.${path}`,
      value: shown,
      accepted: result.reason,
      defaultUsed: 'the environment value',
      kind: 'invalid',
      message: `overrides.${path}=${shown} is not valid: ${result.reason}. Using the environment value (or its default) instead.`,
    });
  }
}

function safeShow(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
