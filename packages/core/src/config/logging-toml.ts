import { LOG_LEVELS } from './parsers.ts';
import type { ParseResult, Parser } from './types.ts';

/**
 * The small TOML subset of Dynamo's logging file (DYN_LOGGING_CONFIG_PATH):
 *
 *   log_level = "info"
 *   [log_filters]
 *   "dynamo_runtime::system_status_server" = "debug"
 *   h2 = "error"
 *
 * Comments, blank lines, bare or quoted keys and basic or literal strings are understood. Other keys
 * and tables are ignored (Dynamo's own file has none) but their values must be strings too; anything
 * else is a syntax error, and the whole file is then ignored. Written by hand so that @dynotel/core keeps no runtime dependency.
 */
export interface LoggingFile {
  readonly path: string;
  readonly logLevel: string | undefined;
  readonly logFilters: Readonly<Record<string, string>>;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function unquote(token: string): string | undefined {
  if (token.length >= 2 && token.startsWith("'") && token.endsWith("'")) {
    const inner = token.slice(1, -1);
    return inner.includes("'") ? undefined : inner;
  }
  if (token.length >= 2 && token.startsWith('"') && token.endsWith('"')) {
    try {
      const value: unknown = JSON.parse(token);
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function parseKey(token: string): string | undefined {
  return BARE_KEY.test(token) ? token : unquote(token);
}

/** Strips a trailing `# comment` that is outside any string. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#') return line.slice(0, i);
  }
  return line;
}

function splitAssignment(line: string): [string, string] | undefined {
  // The key may be quoted and contain `=`, so find the first `=` outside quotes.
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '=') return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
  }
  return undefined;
}

function isLevel(value: string): boolean {
  return (LOG_LEVELS as readonly string[]).includes(value.toLowerCase());
}

export function parseLoggingToml(path: string, content: string): ParseResult<LoggingFile> {
  let table = '';
  let logLevel: string | undefined;
  const logFilters: Record<string, string> = {};
  const lines = content.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = stripComment(lines[index] ?? '').trim();
    const where = `${path} line ${index + 1}`;
    if (line === '') continue;
    if (line.startsWith('[')) {
      const header = /^\[\s*([^[\]]+?)\s*\]$/.exec(line);
      const name = header?.[1] === undefined ? undefined : parseKey(header[1]);
      if (name === undefined) return { ok: false, reason: `${where}: unsupported table header` };
      table = name;
      continue;
    }
    const assignment = splitAssignment(line);
    const key = assignment === undefined ? undefined : parseKey(assignment[0]);
    const value = assignment === undefined ? undefined : unquote(assignment[1]);
    if (key === undefined || value === undefined)
      return { ok: false, reason: `${where}: expected key = "string"` };
    if (table === '' && key === 'log_level') {
      if (!isLevel(value)) {
        return { ok: false, reason: `${where}: log_level must be one of ${LOG_LEVELS.join('|')}` };
      }
      logLevel = value.toLowerCase();
    } else if (table === 'log_filters') {
      if (value === undefined || !isLevel(value)) {
        return {
          ok: false,
          reason: `${where}: the level of '${key}' must be one of ${LOG_LEVELS.join('|')}`,
        };
      }
      logFilters[key] = value.toLowerCase();
    }
    // Other keys and tables are not Dynamo's and are ignored.
  }
  return { ok: true, value: Object.freeze({ path, logLevel, logFilters: Object.freeze(logFilters) }) };
}

export const loggingTomlFile: Parser<LoggingFile | undefined> = (raw, context) => {
  let content: string;
  try {
    content = context.readFile(raw);
  } catch (error) {
    return {
      ok: false,
      reason: `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
  return parseLoggingToml(raw, content);
};
