import { LOG_LEVELS } from './parsers.ts';

/** A DYN_LOG level: Dynamo's five and `off`. */
export type LogDirectiveLevel = (typeof LOG_LEVELS)[number];

/** One DYN_LOG directive, parsed: a default level (no target), or a level for a target prefix. */
export type LogDirective =
  | { readonly ok: true; readonly target?: string; readonly level: LogDirectiveLevel }
  | { readonly ok: false; readonly reason: string };

const TARGET = /^[A-Za-z0-9_.:\-/@]+$/;
/** What makes a bare word a target path rather than a (mistyped) level: a separator. */
const TARGET_SEPARATOR = /[_.:\-/@]/;
/** Level words of other loggers (log4j, Python, syslog, npm) and switch-like words: never a target here. */
const LEVEL_LIKE = new Set([
  'verbose',
  'warning',
  'fatal',
  'critical',
  'crit',
  'err',
  'dbg',
  'trc',
  'inf',
  'wrn',
  'information',
  'notice',
  'all',
  'none',
  'silent',
  'quiet',
  'disabled',
  'disable',
  'on',
  'true',
  'false',
  'yes',
  'no',
]);
const LEVELS_TEXT = LOG_LEVELS.join(', ');

export function isLogLevel(value: string): value is LogDirectiveLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Parses one DYN_LOG directive (tracing-subscriber's EnvFilter, reduced to what a Node service has):
 * `level`, `target=level`, `target:level` (the form Dynamo's docs show), or a bare `target` (= trace).
 * Refused, with the reason: a level word that is not a level (`foo=wat`), a span or field selector
 * (`target[span{x=1}]=level`), a malformed target, and a bare word that reads as a mistyped or foreign
 * level rather than a target — `verbose`, `warning`, `wrn`, `wat`, `debg`, `3`: EnvFilter would take it
 * for a target at trace, which silently leaves the intended level unset. A word with a separator
 * (`my_app`, `app::db`, `http.client`) is always a target.
 */
export function parseLogDirective(directive: string): LogDirective {
  const lower = directive.toLowerCase();
  if (isLogLevel(lower)) return { ok: true, level: lower };
  if (directive.includes('[') || directive.includes('{')) {
    return { ok: false, reason: 'span and field selectors have no meaning in a Node service' };
  }
  const eq = directive.lastIndexOf('=');
  if (eq >= 0) {
    const target = directive.slice(0, eq).trim();
    const levelText = directive.slice(eq + 1).trim();
    const level = levelText.toLowerCase();
    if (!isLogLevel(level)) return { ok: false, reason: `"${levelText}" is not a level (${LEVELS_TEXT})` };
    if (!TARGET.test(target)) return { ok: false, reason: `"${target}" is not a target name` };
    return { ok: true, target, level };
  }
  // `target:level`. A `::` path separator is never taken for it.
  const colon = directive.lastIndexOf(':');
  if (colon > 0 && directive[colon - 1] !== ':') {
    const levelText = directive.slice(colon + 1);
    const target = directive.slice(0, colon);
    const level = levelText.toLowerCase();
    if (isLogLevel(level) && TARGET.test(target)) return { ok: true, target, level };
    if (looksLikeLevel(level)) return { ok: false, reason: `"${levelText}" is not a level (${LEVELS_TEXT})` };
  }
  if (!TARGET.test(directive)) return { ok: false, reason: `"${directive}" is not a target name` };
  if (looksLikeLevel(lower)) {
    return {
      ok: false,
      reason: `"${directive}" is not a level (${LEVELS_TEXT}); to mean a target, write ${directive}=trace`,
    };
  }
  // A bare target means "everything from it", i.e. trace.
  return { ok: true, target: directive, level: 'trace' };
}

/** A bare word that is a level of another logger, a number, or a level with a typo, not a target. */
function looksLikeLevel(word: string): boolean {
  if (TARGET_SEPARATOR.test(word)) return false;
  if (LEVEL_LIKE.has(word) || /^\d+$/.test(word)) return true;
  for (const level of LOG_LEVELS) {
    const distance = editDistance(word, level);
    if (distance <= 1) return true;
    // Short abbreviations and slips of a level (`wat`, `dbg`, `trc`): same first letter, two edits.
    if (word.length >= 3 && word.length <= 4 && word[0] === level[0] && distance <= 2) return true;
  }
  return false;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Splits a DYN_LOG value into the directives that parse and the ones refused (with their reasons),
 * keeping the order: the config reports the refused ones and keeps the rest.
 */
export function checkLogFilter(value: string): {
  readonly kept: string;
  readonly refused: readonly { readonly directive: string; readonly reason: string }[];
} {
  const kept: string[] = [];
  const refused: { directive: string; reason: string }[] = [];
  for (const raw of value.split(',')) {
    const directive = raw.trim();
    if (directive === '') continue;
    const parsed = parseLogDirective(directive);
    if (parsed.ok) kept.push(directive);
    else refused.push({ directive, reason: parsed.reason });
  }
  return { kept: kept.join(','), refused };
}
