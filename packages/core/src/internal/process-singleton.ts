/**
 * Returns the one instance of a process-wide object, creating it on first use. Keyed on a global
 * symbol so that two installed copies of @dynotel/core still share the request context, diagnostics
 * and self-metrics (otherwise one copy's logger would never see the other copy's requests).
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(name);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let instance = holder[key];
  if (instance === undefined) {
    instance = create();
    holder[key] = instance;
  }
  return instance;
}
