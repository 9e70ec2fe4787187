import { selfMetrics } from '@dynotel/core';
import { renderLabelRecord } from '../instruments/label-layout.ts';
import type { FamilySource } from './merge.ts';

interface SelfSeries {
  readonly labelText: string;
  readonly value: number;
}

/** The process-wide `dynotel_*` self-metrics of @dynotel/core as families, for a root scrape. */
export function selfMetricFamilies(): FamilySource<SelfSeries>[] {
  return selfMetrics.collect().map((family) => {
    const series = family.samples.map((sample) => ({
      labelText: renderLabelRecord(sample.labels),
      value: sample.value,
    }));
    return { name: family.name, help: family.help, type: family.type, series: () => series };
  });
}
