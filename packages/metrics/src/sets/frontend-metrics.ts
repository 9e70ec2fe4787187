import {
  type FrontendHistogramName,
  frontendHistogramBuckets,
  type LogBucketOverride,
} from '../buckets/layouts.ts';
import type { Counter, Gauge, Histogram } from '../instruments/metrics.ts';
import { sanitizeMetricName } from '../naming/sanitize.ts';
import type { MetricsLevel } from '../registry/level.ts';
import { type Clock, monotonicClock } from './clock.ts';
import type { FrontendEndpoint, FrontendRequestType, MigrationType } from './frontend-labels.ts';
import { FrontendRequest } from './frontend-request.ts';

export const DEFAULT_FRONTEND_PREFIX = 'dynamo_frontend';

/** Buckets of `<prefix>_tokenizer_latency_ms` (metrics.rs L627-637). */
export const TOKENIZER_LATENCY_MS_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
]);

export interface FrontendMetricsOptions {
  /**
   * The metric prefix, Dynamo's `DYN_METRICS_PREFIX` as resolved by the config table. Sanitised like a
   * metric name; empty or unsanitisable falls back to `dynamo_frontend` (prometheus_names.rs L778-788).
   */
  readonly prefix?: string | undefined;
  /** Resolved `DYN_METRICS_<H>_{MIN,MAX,COUNT}` per histogram; an invalid set falls back to the defaults. */
  readonly buckets?: Readonly<Partial<Record<FrontendHistogramName, LogBucketOverride>>> | undefined;
  /** Monotonic clock in ms (tests). */
  readonly clock?: Clock;
}

/** What a worker or model card reports for the model-configuration gauges (metrics.rs L643-695). */
export interface ModelConfig {
  /** From the worker's runtime config: set on every registration. */
  readonly totalKvBlocks?: number | undefined;
  readonly maxNumSeqs?: number | undefined;
  readonly maxNumBatchedTokens?: number | undefined;
  /** From the model deployment card: only the first registration per model name is used. */
  readonly contextLength?: number | undefined;
  readonly kvCacheBlockSize?: number | undefined;
  readonly migrationLimit?: number | undefined;
}

/** Dynamo's `sanitize_frontend_prometheus_prefix`. */
export function resolveFrontendPrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return DEFAULT_FRONTEND_PREFIX;
  return sanitizeMetricName(prefix) ?? DEFAULT_FRONTEND_PREFIX;
}

/**
 * The frontend metric set (reference §2.7), created on one level with `prefix: false, autoLabels: false`:
 * the names carry the configurable prefix and no hierarchy labels, as Dynamo's frontend registry does.
 */
export class FrontendMetrics {
  readonly prefix: string;
  readonly requests: Counter;
  /** Deprecated in Dynamo, kept: carries the same value as `activeRequests`. */
  readonly inflightRequests: Gauge;
  readonly activeRequests: Gauge;
  readonly queuedRequests: Gauge;
  readonly disconnectedClients: Gauge;
  readonly requestDuration: Histogram;
  readonly inputSequenceTokens: Histogram;
  readonly outputSequenceTokens: Histogram;
  readonly outputTokens: Counter;
  readonly timeToFirstToken: Histogram;
  readonly interTokenLatency: Histogram;
  readonly cachedTokens: Histogram;
  readonly tokenizerLatency: Histogram;
  readonly modelTotalKvBlocks: Gauge;
  readonly modelMaxNumSeqs: Gauge;
  readonly modelMaxNumBatchedTokens: Gauge;
  readonly modelContextLength: Gauge;
  readonly modelKvCacheBlockSize: Gauge;
  readonly modelMigrationLimit: Gauge;
  readonly modelMigrations: Counter;
  readonly modelMigrationMaxSeqLenExceeded: Counter;
  readonly modelCancellations: Counter;
  readonly modelRejections: Counter;
  /** @internal */
  readonly clock: Clock;
  readonly #cardModels = new Set<string>();

  /** @internal Use createFrontendMetrics(). */
  constructor(level: MetricsLevel, options: FrontendMetricsOptions) {
    const p = resolveFrontendPrefix(options.prefix);
    this.prefix = p;
    this.clock = options.clock ?? monotonicClock;
    const overrides = options.buckets ?? {};
    const buckets = (name: FrontendHistogramName) => frontendHistogramBuckets(name, overrides[name]);
    const plain = { prefix: false, autoLabels: false } as const;
    const counter = (name: string, help: string, labelNames: string[]) =>
      level.counter({ ...plain, name: `${p}_${name}`, help, labelNames });
    const gauge = (name: string, help: string, labelNames: string[]) =>
      level.gauge({ ...plain, name: `${p}_${name}`, help, labelNames });
    const histogram = (name: string, help: string, labelNames: string[], bounds: readonly number[]) =>
      level.histogram({ ...plain, name: `${p}_${name}`, help, labelNames, buckets: bounds });
    const model = ['model'];

    this.requests = counter('requests_total', 'Total number of LLM requests processed', [
      'model',
      'endpoint',
      'request_type',
      'status',
      'error_type',
    ]);
    this.inflightRequests = gauge(
      'inflight_requests',
      'Number of inflight requests (deprecated, use active_requests)',
      model,
    );
    this.activeRequests = gauge('active_requests', 'Number of active requests', model);
    this.queuedRequests = gauge('queued_requests', 'Number of requests in HTTP processing queue', model);
    this.disconnectedClients = gauge('disconnected_clients', 'Number of disconnected clients', []);
    this.requestDuration = histogram(
      'request_duration_seconds',
      'Duration of LLM requests',
      model,
      buckets('requestDuration'),
    );
    const isl = buckets('inputSequence');
    this.inputSequenceTokens = histogram(
      'input_sequence_tokens',
      'Input sequence length in tokens',
      model,
      isl,
    );
    this.outputSequenceTokens = histogram(
      'output_sequence_tokens',
      'Output sequence length in tokens',
      model,
      buckets('outputSequence'),
    );
    this.outputTokens = counter('output_tokens_total', 'Total number of output tokens generated', model);
    this.timeToFirstToken = histogram(
      'time_to_first_token_seconds',
      'Time to first token in seconds',
      model,
      buckets('ttft'),
    );
    this.interTokenLatency = histogram(
      'inter_token_latency_seconds',
      'Inter-token latency in seconds',
      model,
      buckets('itl'),
    );
    this.cachedTokens = histogram(
      'cached_tokens',
      'Number of cached tokens (prefix cache hits) per request',
      model,
      isl,
    );
    this.tokenizerLatency = histogram(
      'tokenizer_latency_ms',
      'Tokenizer latency in milliseconds',
      ['operation'],
      TOKENIZER_LATENCY_MS_BUCKETS,
    );
    this.modelTotalKvBlocks = gauge(
      'model_total_kv_blocks',
      'Total KV cache blocks available for a worker serving the model',
      model,
    );
    this.modelMaxNumSeqs = gauge(
      'model_max_num_seqs',
      'Maximum number of sequences for a worker serving the model',
      model,
    );
    this.modelMaxNumBatchedTokens = gauge(
      'model_max_num_batched_tokens',
      'Maximum number of batched tokens for a worker serving the model',
      model,
    );
    this.modelContextLength = gauge(
      'model_context_length',
      'Maximum context length in tokens for a worker serving the model',
      model,
    );
    this.modelKvCacheBlockSize = gauge(
      'model_kv_cache_block_size',
      'KV cache block size in tokens for a worker serving the model',
      model,
    );
    this.modelMigrationLimit = gauge(
      'model_migration_limit',
      'Maximum number of request migrations allowed for the model',
      model,
    );
    this.modelMigrations = counter(
      'model_migration_total',
      'Total number of request migrations due to worker unavailability',
      ['model', 'migration_type'],
    );
    this.modelMigrationMaxSeqLenExceeded = counter(
      'model_migration_max_seq_len_exceeded_total',
      'Total number of times migration was stopped because the maximum sequence length was exceeded',
      model,
    );
    this.modelCancellations = counter(
      'model_cancellation_total',
      'Total number of requests cancelled by the client',
      ['model', 'endpoint', 'request_type'],
    );
    this.modelRejections = counter(
      'model_rejection_total',
      'Total number of requests rejected because workers were busy',
      ['model', 'endpoint'],
    );
  }

  /**
   * Starts tracking one HTTP request (Dynamo's `InflightGuard` + `HttpQueueGuard`): inflight, active and
   * queued +1 for the lower-cased model. End it with `request.end()`.
   */
  startRequest(
    model: string,
    endpoint: FrontendEndpoint | string,
    requestType: FrontendRequestType,
  ): FrontendRequest {
    return new FrontendRequest(this, String(model).toLowerCase(), endpoint, requestType);
  }

  /**
   * Sets the model-configuration gauges for `model` (the card's display name, not lower-cased). Runtime
   * fields are set on every call, card fields only on the first call per model name; absent fields are
   * left alone.
   */
  registerModel(model: string, config: ModelConfig): void {
    setIfCount(this.modelTotalKvBlocks, model, config.totalKvBlocks);
    setIfCount(this.modelMaxNumSeqs, model, config.maxNumSeqs);
    setIfCount(this.modelMaxNumBatchedTokens, model, config.maxNumBatchedTokens);
    if (this.#cardModels.has(model)) return;
    this.#cardModels.add(model);
    setIfCount(this.modelContextLength, model, config.contextLength);
    setIfCount(this.modelKvCacheBlockSize, model, config.kvCacheBlockSize);
    setIfCount(this.modelMigrationLimit, model, config.migrationLimit);
  }

  /** One request migration (metrics.rs L924-936). */
  migration(model: string, type: MigrationType): void {
    this.modelMigrations.labels(String(model).toLowerCase(), type).inc();
  }

  migrationMaxSeqLenExceeded(model: string): void {
    this.modelMigrationMaxSeqLenExceeded.labels(String(model).toLowerCase()).inc();
  }

  /** Tokenizer latency: `tokenize` once per request, `detokenize` as the average ms per token at the end. */
  tokenizerLatencyMs(operation: 'tokenize' | 'detokenize', milliseconds: number): void {
    this.tokenizerLatency.labels(operation).observe(milliseconds);
  }
}

function setIfCount(gauge: Gauge, model: string, value: number | undefined): void {
  if (value === undefined || !Number.isFinite(value) || value < 0) return;
  gauge.labels(model).set(Math.min(Math.trunc(value), Number.MAX_SAFE_INTEGER));
}

/**
 * Creates the frontend metric set on `level` (normally the root): `<prefix>_requests_total`,
 * `_inflight_requests`, `_active_requests`, `_queued_requests`, `_disconnected_clients`,
 * `_request_duration_seconds`, `_input_sequence_tokens`, `_output_sequence_tokens`, `_output_tokens_total`,
 * `_time_to_first_token_seconds`, `_inter_token_latency_seconds`, `_cached_tokens`, `_tokenizer_latency_ms`,
 * the `_model_*` configuration gauges, and the migration, cancellation and rejection counters.
 */
export function createFrontendMetrics(
  level: MetricsLevel,
  options: FrontendMetricsOptions = {},
): FrontendMetrics {
  return new FrontendMetrics(level, options);
}
