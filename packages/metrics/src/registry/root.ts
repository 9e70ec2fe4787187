import { DynotelError } from '@dynotel/core';
import { DEFAULT_FOREIGN_TEXT_MAX_BYTES } from '../foreign/limits.ts';
import { DEFAULT_MAX_LABEL_VALUE_LENGTH } from '../instruments/label-value.ts';
import { MetricsRoot } from './level.ts';
import { formatWorkerId } from './worker-id.ts';

export interface MetricsRootOptions {
  /** Discovery instance id; exported as `worker_id` in lowercase hex without `0x` on every auto-labelled metric. */
  readonly workerId?: bigint | number | string;
  /** Per-metric limit of distinct label sets before the overflow series takes new ones. Default 2000. */
  readonly seriesLimit?: number;
  /** Label values longer than this (UTF-16 code units) are truncated on a character boundary. Default 1024. */
  readonly maxLabelValueLength?: number;
  /** Record OpenMetrics exemplars (trace_id, span_id of the sampled active span) on counters and histograms. Default true. */
  readonly exemplars?: boolean;
  /** How long a scrape waits for async callbacks before giving up on them (logged, counted). Default 5000 ms. */
  readonly callbackTimeoutMs?: number;
  /**
   * Per-source limit of exposition-callback text in UTF-8 bytes; a longer text is refused whole and
   * counted. Default 16 MiB (DEFAULT_FOREIGN_TEXT_MAX_BYTES).
   */
  readonly foreignTextMaxBytes?: number;
}

export const DEFAULT_SERIES_LIMIT = 2000;
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new DynotelError(
      'ERR_DYNOTEL_METRICS_INVALID_OPTION',
      `${option} must be a positive integer, got ${String(value)}`,
      { details: { option, value } },
    );
  }
  return value;
}

/** Creates the runtime level of a registry tree (Dynamo's DistributedRuntime registry). */
export function createMetricsRoot(options: MetricsRootOptions = {}): MetricsRoot {
  return new MetricsRoot({
    workerId: options.workerId === undefined ? undefined : formatWorkerId(options.workerId),
    seriesLimit: positiveInteger('seriesLimit', options.seriesLimit, DEFAULT_SERIES_LIMIT),
    maxLabelValueLength: positiveInteger(
      'maxLabelValueLength',
      options.maxLabelValueLength,
      DEFAULT_MAX_LABEL_VALUE_LENGTH,
    ),
    exemplars: options.exemplars ?? true,
    callbackTimeoutMs: positiveInteger(
      'callbackTimeoutMs',
      options.callbackTimeoutMs,
      DEFAULT_CALLBACK_TIMEOUT_MS,
    ),
    foreignTextMaxBytes: positiveInteger(
      'foreignTextMaxBytes',
      options.foreignTextMaxBytes,
      DEFAULT_FOREIGN_TEXT_MAX_BYTES,
    ),
  });
}
