import { type AnyMetric, Counter, Gauge } from '../instruments/metrics.ts';
import type { Family } from '../model/family.ts';

/** An own metric as a model family: its live children are the points (no copy, no per-series work). */
export function ownFamily(metric: AnyMetric): Family {
  const meta = { name: metric.name, help: metric.help };
  if (metric instanceof Counter) return { ...meta, type: 'counter', points: metric.series() };
  if (metric instanceof Gauge) return { ...meta, type: 'gauge', points: metric.series() };
  return { ...meta, type: 'histogram', points: metric.series() };
}
