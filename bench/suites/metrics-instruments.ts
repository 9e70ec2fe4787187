import { createMetricsRoot } from '@dynotel/metrics';
import * as prometheusIo from '@prometheus-io/client';
import * as promClient from 'prom-client';
import { type MicroCase, OPS_PER_CALL, runMicroCases } from '../lib/micro.ts';
import type { Suite } from '../lib/types.ts';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LABELS = ['model', 'endpoint', 'status'] as const;
const VALUES = ['llama-3-70b', 'chat_completions', 'success'] as const;

/** The peers (prom-client and its successor share one API): the same three instruments per library. */
function peerCases(impl: string, lib: typeof promClient): MicroCase[] {
  const registry = new lib.Registry();
  const counter = new lib.Counter({ name: 'c_total', help: 'c', labelNames: LABELS, registers: [registry] });
  const histogram = new lib.Histogram({
    name: 'h_seconds',
    help: 'h',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  const labels = { model: VALUES[0], endpoint: VALUES[1], status: VALUES[2] };
  const counterChild = counter.labels(labels);
  const histogramChild = histogram.labels(labels);
  return [
    { case: 'counter inc, cached child', impl, fn: () => runN(() => counterChild.inc()) },
    {
      case: 'histogram observe, cached child',
      impl,
      fn: () => runN((i) => histogramChild.observe(i * 1e-4)),
    },
    {
      case: 'child lookup by label values',
      impl,
      fn: () =>
        runN(() => {
          sink = counter.labels(VALUES[0], VALUES[1], VALUES[2]);
        }),
    },
    { case: 'counter inc with labels object', impl, fn: () => runN(() => counter.inc(labels)) },
  ];
}

function dynotelCases(): MicroCase[] {
  const root = createMetricsRoot({ workerId: 0x694d98147d54be25n });
  const endpoint = root.namespace('bench').component('worker').endpoint('generate');
  const counter = endpoint.counter({ name: 'c_total', help: 'c', labelNames: LABELS });
  const histogram = endpoint.histogram({
    name: 'h_seconds',
    help: 'h',
    labelNames: LABELS,
    buckets: BUCKETS,
  });
  const counterChild = counter.labels(...VALUES);
  const histogramChild = histogram.labels(...VALUES);
  const impl = 'dynotel';
  return [
    { case: 'counter inc, cached child', impl, fn: () => runN(() => counterChild.inc()) },
    {
      case: 'histogram observe, cached child',
      impl,
      fn: () => runN((i) => histogramChild.observe(i * 1e-4)),
    },
    {
      case: 'child lookup by label values',
      impl,
      fn: () =>
        runN(() => {
          sink = counter.labels(VALUES[0], VALUES[1], VALUES[2]);
        }),
    },
  ];
}

// Written to by the lookup cases so the optimiser cannot drop the lookup.
let sink: unknown;
export const lookupSink = (): unknown => sink;

function runN(op: (i: number) => void): void {
  for (let i = 0; i < OPS_PER_CALL; i++) op(i);
}

export const metricsInstruments: Suite = {
  name: 'metrics-instruments',
  title: 'Metric instruments: hot-path cost per operation',
  description:
    'ns per operation (lower is better). dynotel instruments carry the four auto-labels (dynamo_namespace, dynamo_component, dynamo_endpoint, worker_id) on top of the three variable labels. Targets: counter inc ≤ 100 ns, histogram observe ≤ 150 ns, child lookup ≤ 200 ns.',
  async run(context) {
    const cases = [
      ...peerCases('prom-client', promClient),
      ...peerCases('@prometheus-io/client', prometheusIo as unknown as typeof promClient),
      ...dynotelCases(),
    ];
    return runMicroCases(this.name, cases, context);
  },
};
