import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { DynotelError } from '../errors/dynotel-error.ts';
import { assembleConfig } from './assemble.ts';
import { deriveConfig } from './derived.ts';
import { type Env, EnvReader } from './env-reader.ts';
import { ENV, ENV_TABLE } from './env-table/index.ts';
import { applyOverrides } from './overrides.ts';
import type {
  ConfigProblem,
  DynotelConfig,
  ParseContext,
  ReadConfigOptions,
  ReadConfigResult,
} from './types.ts';

const TABLE_ORDER: ReadonlyMap<string, number> = new Map(ENV_TABLE.map((row, index) => [row.name, index]));

/** Largest `@file` payload or logging TOML read: configuration, not data. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Reads a configuration file: a regular file of at most MAX_CONFIG_FILE_BYTES. `@/dev/zero` would
 * otherwise be read until memory runs out and a FIFO without a writer would block init() for good
 * (O_NONBLOCK makes opening one return at once, and it is then refused as not a regular file).
 */
function readUtf8File(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) throw new Error('not a regular file');
    // /proc files report size 0, so the bound is enforced while reading, not from the size.
    const buffer = Buffer.allocUnsafe(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_CONFIG_FILE_BYTES) throw new Error(`larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  } else if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The one error strict mode throws: every invalid value, one per line. */
export function configInvalidError(
  problems: readonly ConfigProblem[],
): DynotelError<'ERR_DYNOTEL_CONFIG_INVALID'> {
  const lines = problems.map((problem) => `  - ${problem.message}`).join('\n');
  return new DynotelError(
    'ERR_DYNOTEL_CONFIG_INVALID',
    `Invalid dynotel configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`,
    { details: { problems } },
  );
}

/**
 * Reads the configuration from an environment snapshot. Pure apart from reading the files the
 * variables name (through `options.readFile`): it never touches `process.env` beyond the default
 * argument. Every invalid value falls back alone and is returned as a problem; in strict mode
 * (option, overrides.strict or DYN_CONFIG_STRICT) one DynotelError lists them all instead.
 */
export function readConfig(env: Env = process.env, options: ReadConfigOptions = {}): ReadConfigResult {
  const context: ParseContext = { readFile: options.readFile ?? readUtf8File };
  const reader = new EnvReader(env, context);
  const strictFromEnv = reader.get(ENV.DYN_CONFIG_STRICT);
  const strict = options.strict ?? options.overrides?.strict ?? strictFromEnv;
  const config = assembleConfig(reader, strict) as unknown as Record<string, unknown>;
  // Problems in table order (the order of docs/configuration.md), then those of the overrides.
  const problems = [...reader.problems].sort(
    (a, b) => (TABLE_ORDER.get(a.variable) ?? 0) - (TABLE_ORDER.get(b.variable) ?? 0),
  );
  if (options.overrides !== undefined)
    applyOverrides(config, options.overrides, ENV_TABLE, context, problems);
  config.strict = strict;
  // Derived values follow what they come from, overridden or not.
  deriveConfig(config);

  const invalid = problems.filter((problem) => problem.kind === 'invalid');
  if (strict && invalid.length > 0) throw configInvalidError(invalid);
  return deepFreeze({ config: config as unknown as DynotelConfig, problems });
}

/** The variables `readConfig` consults (for the test that proves it covers the whole table). */
export function consultedVariables(env: Env = {}): ReadonlySet<string> {
  const reader = new EnvReader(env, { readFile: readUtf8File });
  reader.get(ENV.DYN_CONFIG_STRICT);
  assembleConfig(reader, false);
  return reader.consulted;
}
