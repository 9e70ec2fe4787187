import type { Suite } from '../lib/types.ts';
import { clusterSuite } from './cluster.ts';
import { httpSuite } from './http.ts';
import { latencySuite } from './latency.ts';
import { loggingSuite } from './logging.ts';
import { memorySuite } from './memory.ts';
import { metricsInstruments } from './metrics-instruments.ts';
import { metricsScrape } from './metrics-scrape.ts';
import { startupSuite } from './startup.ts';
import { tracingSuite } from './tracing.ts';

export const suites: readonly Suite[] = [
  metricsInstruments,
  metricsScrape,
  loggingSuite,
  tracingSuite,
  httpSuite,
  latencySuite,
  startupSuite,
  memorySuite,
  clusterSuite,
];
