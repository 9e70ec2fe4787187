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

/**
 * The value of the first series of `name` whose label text contains `labels` in a `/metrics` body
 * scraped from a child process (0 when there is none).
 */
export function scrapedCounter(body: string, name: string, labels: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
