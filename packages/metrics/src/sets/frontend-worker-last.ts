import type { Gauge } from '../instruments/metrics.ts';
import type { MetricsLevel } from '../registry/level.ts';
import { resolveFrontendPrefix } from './frontend-metrics.ts';

/** Dynamo's `worker_type` label. */
export type WorkerType = 'prefill' | 'decode';

/** Which worker served a request: Dynamo labels these gauges with the decimal instance id. */
export interface WorkerRef {
  /** The worker's instance id; printed in decimal (Dynamo's frontend does, unlike `worker_id` elsewhere). */
  readonly workerId: bigint | number | string;
  /** Data-parallel rank; `none` when unknown, as Dynamo prints it. */
  readonly dpRank?: number | undefined;
  /** Default `decode` (an aggregated worker is Dynamo's decode worker). */
  readonly workerType?: WorkerType | undefined;
}

/** The latest values one worker produced; each field set only when given. */
export interface WorkerLastValues {
  readonly timeToFirstTokenSeconds?: number | undefined;
  readonly inputSequenceTokens?: number | undefined;
  readonly interTokenLatencySeconds?: number | undefined;
}

function decimal(id: bigint | number | string): string {
  if (typeof id === 'bigint') return id.toString();
  if (typeof id === 'number') return Number.isSafeInteger(id) ? String(id) : String(Math.trunc(id));
  const text = id.trim();
  // Hex instance ids (as dynotel's worker_id label and DYN_INSTANCE_ID print them) become decimal.
  if (/^(0x)?[0-9a-f]*[a-f][0-9a-f]*$/i.test(text) || /^0x[0-9a-f]+$/i.test(text))
    return BigInt(text.startsWith('0x') ? text : `0x${text}`).toString();
  return /^\d+$/.test(text) ? BigInt(text).toString() : text;
}

/**
 * Dynamo's per-worker "last value" gauges on the frontend (`lib/llm/src/http/service/metrics.rs`
 * L50-118, L1392-1451): `<prefix>_worker_last_time_to_first_token_seconds`,
 * `<prefix>_worker_last_input_sequence_tokens` and `<prefix>_worker_last_inter_token_latency_seconds`,
 * labels `worker_id` (decimal), `dp_rank`, `worker_type`, no hierarchy labels. A gateway records them
 * when a worker's first token arrives (TTFT, ISL) and on later tokens (ITL).
 */
export class FrontendWorkerLastMetrics {
  readonly timeToFirstToken: Gauge;
  readonly inputSequenceTokens: Gauge;
  readonly interTokenLatency: Gauge;

  /** @internal Use createFrontendWorkerLastMetrics(). */
  constructor(level: MetricsLevel, prefix: string | undefined) {
    const p = resolveFrontendPrefix(prefix);
    const labelNames = ['worker_id', 'dp_rank', 'worker_type'];
    const gauge = (name: string, help: string) =>
      level.gauge({ prefix: false, autoLabels: false, name: `${p}_${name}`, help, labelNames });
    this.timeToFirstToken = gauge(
      'worker_last_time_to_first_token_seconds',
      'Last observed time to first token per worker in seconds',
    );
    this.inputSequenceTokens = gauge(
      'worker_last_input_sequence_tokens',
      'Last observed input sequence length per worker in tokens',
    );
    this.interTokenLatency = gauge(
      'worker_last_inter_token_latency_seconds',
      'Last observed inter-token latency per worker in seconds',
    );
  }

  /** Sets the given values for this worker. Non-finite or negative values are ignored. */
  record(worker: WorkerRef, values: WorkerLastValues): void {
    const labels = [
      decimal(worker.workerId),
      worker.dpRank === undefined ? 'none' : String(worker.dpRank),
      worker.workerType ?? 'decode',
    ];
    const set = (gauge: Gauge, value: number | undefined, integer = false) => {
      if (value === undefined || !Number.isFinite(value) || value < 0) return;
      gauge.labels(...labels).set(integer ? Math.trunc(value) : value);
    };
    set(this.timeToFirstToken, values.timeToFirstTokenSeconds);
    set(this.inputSequenceTokens, values.inputSequenceTokens, true);
    set(this.interTokenLatency, values.interTokenLatencySeconds);
  }
}

/** Creates the worker-last gauges on `level` (the root) with the frontend prefix (DYN_METRICS_PREFIX). */
export function createFrontendWorkerLastMetrics(
  level: MetricsLevel,
  options: { readonly prefix?: string | undefined } = {},
): FrontendWorkerLastMetrics {
  return new FrontendWorkerLastMetrics(level, options.prefix);
}
