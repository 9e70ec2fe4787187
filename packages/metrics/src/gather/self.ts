import { selfMetrics } from '@dynotel/core';
import { renderLabelRecord } from '../instruments/label-layout.ts';
import type { Family } from '../model/family.ts';

/** The process-wide `dynotel_*` self-metrics of @dynotel/core as model families, for a root scrape. */
export function selfMetricFamilies(): Family[] {
  return selfMetrics.collect().map((family) => ({
    name: family.name,
    help: family.help,
    type: family.type,
    points: family.samples.map((sample) => ({
      labelText: renderLabelRecord(sample.labels),
      value: sample.value,
    })),
  }));
}
