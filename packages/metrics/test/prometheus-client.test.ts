import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import * as loaded from '../src/prometheus-client.ts';

// src/prometheus-client.ts loads @prometheus-io/client's module files by path, not its index (which
// loads the Pushgateway, TLS and node:cluster too): they must stay the very objects the index exports,
// so an upgrade that moves or renames a file fails here, not in a service.
test('the module files loaded by path are the objects the index exports', () => {
  const index = createRequire(import.meta.url)(
    '@prometheus-io/client',
  ) as typeof import('@prometheus-io/client');
  expect(loaded.Registry).toBe(index.Registry);
  expect(loaded.collectDefaultMetrics).toBe(index.collectDefaultMetrics);
  expect(loaded.validateMetricName).toBe(index.validateMetricName);
  expect(loaded.prometheusContentType).toBe(index.prometheusContentType);
  expect(loaded.openMetricsContentType).toBe(index.openMetricsContentType);
  expect(loaded.prometheusContentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(loaded.openMetricsContentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
});
