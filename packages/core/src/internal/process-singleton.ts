import { VERSION } from '../version.ts';

/**
 * Process-wide objects (request-context storage, diagnostics, self-metrics) shared between the copies
 * of @dynotel/core a process loads: two installs of the same version, or the ESM and CJS builds of one
 * install, must share them, or one copy's logger never sees the other copy's requests.
 *
 * Copies share only within one compatibility line — the same major version, and for 0.x the same
 * minor (semver's caret rule) — because the objects' methods may differ between lines. The line is
 * part of the global key, so an incompatible copy gets its own objects instead of calling methods the
 * other copy's objects do not have; and when a copy of another line is found in the process, ONE
 * process warning (`process.emitWarning`, code DYNOTEL_VERSION_MISMATCH) names both versions, since its
 * requests, diagnostics and self-metrics are then invisible to this copy.
 *
 * The one contract every version keeps (never change it): `globalThis[Symbol.for('dynotel.versions')]`
 * is an array of the version strings of every copy loaded so far.
 */
export const VERSION_MISMATCH_WARNING = 'DYNOTEL_VERSION_MISMATCH';

const VERSIONS_KEY = Symbol.for('dynotel.versions');

/** The semver caret line: `1.4.2` → `1`, `0.3.1` → `0.3`; anything unparsable is its own line. */
export function compatibilityLine(version: string): string {
  const match = /^(\d+)\.(\d+)\.\d+/.exec(version);
  if (match === null) return version;
  return match[1] === '0' ? `0.${match[2]}` : match[1]!;
}

function registerVersion(version: string): void {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  const known = Array.isArray(holder[VERSIONS_KEY]) ? (holder[VERSIONS_KEY] as unknown[]) : [];
  holder[VERSIONS_KEY] = known;
  const line = compatibilityLine(version);
  const lines = new Set(known.filter((v): v is string => typeof v === 'string').map(compatibilityLine));
  const others = known.filter((v): v is string => typeof v === 'string' && compatibilityLine(v) !== line);
  if (!known.includes(version)) known.push(version);
  // Warn once per incompatible line joining the process: the first copy of a line that finds others.
  if (others.length === 0 || lines.has(line)) return;
  try {
    process.emitWarning(
      `@dynotel/core ${version} is loaded next to @dynotel/core ${others.join(', ')}: the copies do not share ` +
        'request context, diagnostics or self-metrics. Install one version (npm ls @dynotel/core).',
      {
        type: 'DynotelWarning',
        code: VERSION_MISMATCH_WARNING,
        detail: `versions: ${[...known].join(', ')}`,
      },
    );
  } catch {
    // A host that turned warnings into exceptions must not lose its service over telemetry.
  }
}

registerVersion(VERSION);

/**
 * Returns the one instance of a process-wide object of this copy's compatibility line, creating it on
 * first use. `name` is stable across versions, e.g. `dynotel.diagnostics`.
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`${name}@${compatibilityLine(VERSION)}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let instance = holder[key];
  if (instance === undefined) {
    instance = create();
    holder[key] = instance;
  }
  return instance;
}
