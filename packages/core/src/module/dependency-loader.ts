import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Loads one of the calling package's dependencies synchronously; throws what loading threw. */
export type DependencyLoader = <T>(specifier: string) => T;

/**
 * A synchronous loader for the dependencies of the package whose `import.meta` is given, so a heavy
 * dependency (an exporter stack) can be loaded at its first use instead of at import while `init()`
 * stays synchronous. Pass `import.meta.url` and `import.meta.resolve` of a module of that package:
 *
 * - from the ESM build (and the TypeScript sources), `import.meta.resolve` names the file a static
 *   `import` would load, and `require()` of it (require(esm) for an ES module) returns that same module
 *   instance, so a dual package is not loaded twice, once per format;
 * - from the CJS build `import.meta.resolve` is compiled away (undefined) and the dependency is
 *   `require`d as the CJS build's static imports would.
 */
export function createDependencyLoader(
  url: string,
  resolve: ((specifier: string) => string) | undefined,
): DependencyLoader {
  const requireFromPackage = createRequire(url);
  return <T>(specifier: string): T => {
    if (typeof resolve !== 'function') return requireFromPackage(specifier) as T;
    const resolved = resolve(specifier);
    return requireFromPackage(resolved.startsWith('file:') ? fileURLToPath(resolved) : resolved) as T;
  };
}
