import { createDependencyLoader } from '@dynotel/core/internal';
import type * as PrometheusClient from '@prometheus-io/client';

/**
 * The parts of @prometheus-io/client dynotel uses, loaded from the package's own module files instead of
 * its index: the index also loads the Pushgateway (node:https, i.e. TLS), the cluster and worker-thread
 * aggregators (node:cluster) and the bucket helpers, about half of its load time, paid by every service
 * at start-up for nothing. The package has no `exports` map, so the files are reachable by path; its
 * version is pinned exactly, and test/prometheus-client.test.ts checks these are the very objects the
 * index exports. Loaded synchronously, in the ESM and the CJS build alike (one CJS instance either way).
 */
const load = createDependencyLoader(import.meta.url, import.meta.resolve);

export const Registry: typeof PrometheusClient.Registry = load('@prometheus-io/client/lib/registry.js');
export const collectDefaultMetrics: typeof PrometheusClient.collectDefaultMetrics = load(
  '@prometheus-io/client/lib/defaultMetrics.js',
);
export const validateMetricName: typeof PrometheusClient.validateMetricName = load<
  Pick<typeof PrometheusClient, 'validateMetricName'>
>('@prometheus-io/client/lib/validation.js').validateMetricName;
/** `text/plain; version=0.0.4; charset=utf-8` */
export const prometheusContentType: string = Registry.PROMETHEUS_CONTENT_TYPE;
/** `application/openmetrics-text; version=1.0.0; charset=utf-8` */
export const openMetricsContentType: string = Registry.OPENMETRICS_CONTENT_TYPE;
