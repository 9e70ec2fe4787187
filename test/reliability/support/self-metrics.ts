import { selfMetrics } from '@dynotel/core';

/** Every series of a self-metric family, `{ labels → value }`, read in-process from @dynotel/core. */
export function selfSeries(name: string): Record<string, number> {
  const family = selfMetrics.collect().find((f) => f.name === name);
  const out: Record<string, number> = {};
  for (const sample of family?.samples ?? []) out[JSON.stringify(sample.labels)] = sample.value;
  return out;
}

/** The sum of every series of a self-metric family (0 when it has none). */
export function selfTotal(name: string): number {
  return Object.values(selfSeries(name)).reduce((a, b) => a + b, 0);
}
