import { type FilterLevel, isFilterLevel } from './levels.ts';

/**
 * DYN_LOG syntax (tracing-subscriber's EnvFilter, reference §4.4), reduced to what a Node service has:
 * `level`, `target=level`, a bare `target` (= trace), comma lists, `off`. Targets match by string prefix
 * and the longest matching prefix wins. Two deliberate differences from Dynamo:
 * - the default level stays in force when only target directives are given (Dynamo drops it, so
 *   `DYN_LOG=my_mod=debug` silences everything else, which surprises everyone);
 * - the documented `target:level` form works (in Dynamo it silently matches nothing).
 * Span directives (`target[span{field=value}]=level`) have no meaning here and are skipped as invalid.
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

const TARGET = /^[A-Za-z0-9_.:\-/@]+$/;

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

function parseDirective(directive: string): { target?: string; level: FilterLevel } | undefined {
  const lower = directive.toLowerCase();
  if (isFilterLevel(lower)) return { level: lower };
  const eq = directive.lastIndexOf('=');
  if (eq >= 0) {
    const target = directive.slice(0, eq).trim();
    const level = directive
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (!isFilterLevel(level) || !TARGET.test(target)) return undefined;
    return { target, level };
  }
  // `target:level`, the form Dynamo's docs show. A `::` path separator is never taken for it.
  const colon = directive.lastIndexOf(':');
  if (colon > 0 && directive[colon - 1] !== ':') {
    const level = directive.slice(colon + 1).toLowerCase();
    const target = directive.slice(0, colon);
    if (isFilterLevel(level) && TARGET.test(target)) return { target, level };
  }
  // A bare target means "everything from it", i.e. trace.
  return TARGET.test(directive) ? { target: directive, level: 'trace' } : undefined;
}

/** The level in force for `target`: the longest directive that is a prefix of it, else the default. */
export function levelForTarget(filter: LogFilter, target: string): FilterLevel {
  for (const directive of filter.directives) {
    if (target.startsWith(directive.target)) return directive.level;
  }
  return filter.defaultLevel;
}
