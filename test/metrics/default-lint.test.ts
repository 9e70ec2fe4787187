import { readConfig } from '@dynotel/core';
import { Counter, Gauge, Histogram, type MetricsLevel } from '@dynotel/metrics';
import { describe, expect, it } from 'vitest';
// Internal to the umbrella package: how init() builds its metrics from the configuration.
import { wireMetrics } from '../../packages/dynotel/src/wire/metrics.ts';
import { requireBinaryInCi } from '../support/binaries.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';

const promtool = requireBinaryInCi('promtool');

/**
 * Names Dynamo defines that promtool's linter flags, exposed unchanged for compatibility with Dynamo's
 * dashboards (packages/metrics/README.md lists them): `_ms` is not a base unit.
 */
const DYNAMO_NAMES = new Set(['dynamo_frontend_tokenizer_latency_ms']);

/** Records one value in every family of the tree, so that every family is in the scrape. */
function touchEverything(root: MetricsLevel): void {
  for (const level of root.subtree()) {
    for (const metric of level.metrics()) {
      const values = metric.labelNames.map(() => 'x');
      if (metric instanceof Counter) (values.length > 0 ? metric.labels(...values) : metric).inc();
      else if (metric instanceof Gauge) (values.length > 0 ? metric.labels(...values) : metric).set(1);
      else if (metric instanceof Histogram)
        (values.length > 0 ? metric.labels(...values) : metric).observe(1);
    }
  }
}

describe.skipIf(promtool === undefined)(
  'the default output of a service under promtool check metrics',
  () => {
    it('has nothing to say about any name but Dynamo’s own, with every standard set on', async () => {
      const config = readConfig({ DYN_NAMESPACE: 'dynamo', DYN_COMPONENT: 'backend' }).config;
      const wired = wireMetrics(config);
      wired.frontend();
      wired.component().endpoint('generate');
      touchEverything(wired.root);
      const { body } = await wired.root.scrape(undefined);
      const result = await promtoolCheckMetrics(promtool as string, body);
      const findings = result.output.split('\n').filter((line) => line !== '');
      expect(findings.filter((line) => !DYNAMO_NAMES.has(line.split(' ')[0] as string))).toEqual([]);
      // The runtime metrics are in the body, under their lint-clean names.
      expect(body).toContain('# TYPE nodejs_eventloop_utilization_ratio histogram');
      expect(body).not.toContain('nodejs_active_handles_total');
    });

    it('DYN_METRICS_PROM_CLIENT_NAMES=1 brings back prom-client’s names, which promtool warns about', async () => {
      const config = readConfig({ DYN_METRICS_PROM_CLIENT_NAMES: '1' }).config;
      const { body } = await wireMetrics(config).root.scrape(undefined);
      const result = await promtoolCheckMetrics(promtool as string, body);
      expect(result.output).toContain(
        'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      );
      expect(result.output).toContain(
        "nodejs_eventloop_utilization_histogram metric name should not include type 'histogram'",
      );
    });
  },
);
