import type { Suite } from '../lib/types.ts';
import { metricsInstruments } from './metrics-instruments.ts';
import { metricsScrape } from './metrics-scrape.ts';

export const suites: readonly Suite[] = [metricsInstruments, metricsScrape];
