import { parseLogDirective } from '@dynotel/core';
import type { FilterLevel } from './levels.ts';

/**
 * DYN_LOG syntax (tracing-subscriber's EnvFilter, reference §4.4), reduced to what a Node service has:
 * `level`, `target=level`, a bare `target` (= trace), comma lists, `off`. Targets match by string prefix
 * and the longest matching prefix wins. Two deliberate differences from Dynamo:
 * - the default level stays in force when only target directives are given (Dynamo drops it, so
 *   `DYN_LOG=my_mod=debug` silences everything else, which surprises everyone);
 * - the documented `target:level` form works (in Dynamo it silently matches nothing).
 * Span directives (`target[span{field=value}]=level`) have no meaning here and are skipped as invalid,
 * and so is a bare word that reads as a mistyped or foreign level (`verbose`, `wrn`), which EnvFilter
 * would take for a target (the grammar is core's `parseLogDirective`, shared with the config's checks).
 */
export interface TargetDirective {
  readonly target: string;
  readonly level: FilterLevel;
}

export interface LogFilter {
  readonly defaultLevel: FilterLevel;
  /** Sorted longest target first, so the first prefix match is the most specific. */
  readonly directives: readonly TargetDirective[];
  /** Directives that were skipped, as written. */
  readonly invalid: readonly string[];
}

export function parseLogFilter(spec: string | undefined, fallbackLevel: FilterLevel = 'info'): LogFilter {
  let defaultLevel: FilterLevel | undefined;
  const byTarget = new Map<string, FilterLevel>();
  const invalid: string[] = [];
  for (const raw of (spec ?? '').split(',')) {
    const directive = raw.trim();
    if (directive === '') continue;
    const parsed = parseDirective(directive);
    if (parsed === undefined) invalid.push(directive);
    else if (parsed.target === undefined) defaultLevel = parsed.level;
    // A later directive for the same target replaces the earlier one, as in EnvFilter.
    else byTarget.set(parsed.target, parsed.level);
  }
  const directives = [...byTarget].map(([target, level]) => ({ target, level }));
  directives.sort((a, b) => b.target.length - a.target.length);
  return { defaultLevel: defaultLevel ?? fallbackLevel, directives, invalid };
}

/** One directive, by core's DYN_LOG grammar (the config reports what it refuses, with the reason). */
function parseDirective(directive: string): { target?: string; level: FilterLevel } | undefined {
  const parsed = parseLogDirective(directive);
  if (!parsed.ok) return undefined;
  return parsed.target === undefined
    ? { level: parsed.level }
    : { target: parsed.target, level: parsed.level };
}

/** The level in force for `target`: the longest directive that is a prefix of it, else the default. */
export function levelForTarget(filter: LogFilter, target: string): FilterLevel {
  for (const directive of filter.directives) {
    if (target.startsWith(directive.target)) return directive.level;
  }
  return filter.defaultLevel;
}
