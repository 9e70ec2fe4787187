import type { Counter, Gauge, Histogram } from '../instruments/metrics.ts';
import type { MetricsLevel } from '../registry/level.ts';
import { type Clock, monotonicClock } from './clock.ts';

/** Buckets of `dynamo_frontend_stage_duration_seconds` (lib/runtime/src/metrics/frontend_perf.rs L61-74). */
export const FRONTEND_STAGE_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5,
]);

/** Dynamo's pipeline stages (`stage` label). */
export type FrontendStage = 'preprocess' | 'route' | 'dispatch';
/** Dynamo's `phase` label: the serving phase, `''` when not disaggregated-aware. */
export type FrontendPhase = 'prefill' | 'decode' | 'aggregated' | '';

/** One stage in progress: `end()` once (later calls do nothing). */
export interface StageTimer {
  end(): void;
}

/**
 * Dynamo's frontend pipeline timings (`frontend_perf.rs`), process-global names without the configurable
 * prefix and without hierarchy labels, as Dynamo registers them:
 * - `dynamo_frontend_stage_requests{stage,phase}` (gauge): requests inside each stage now;
 * - `dynamo_frontend_stage_duration_seconds{stage}` (histogram): time spent in a stage;
 * - `dynamo_frontend_tokenize_seconds`, `dynamo_frontend_template_seconds` (histograms): the prompt's
 *   tokenization and chat-template rendering;
 * - `dynamo_frontend_detokenize_total_us`, `dynamo_frontend_detokenize_token_count` (counters): time spent
 *   detokenizing and the tokens detokenized (their ratio is µs per token).
 */
export class FrontendStageMetrics {
  readonly stageRequests: Gauge;
  readonly stageDuration: Histogram;
  readonly tokenize: Histogram;
  readonly template: Histogram;
  readonly detokenizeMicros: Counter;
  readonly detokenizeTokens: Counter;
  readonly #clock: Clock;

  /** @internal Use createFrontendStageMetrics(). */
  constructor(level: MetricsLevel, clock: Clock) {
    this.#clock = clock;
    const plain = { prefix: false, autoLabels: false } as const;
    this.stageRequests = level.gauge({
      ...plain,
      name: 'dynamo_frontend_stage_requests',
      help: 'Number of requests currently in each frontend pipeline stage',
      labelNames: ['stage', 'phase'],
    });
    this.stageDuration = level.histogram({
      ...plain,
      name: 'dynamo_frontend_stage_duration_seconds',
      help: 'Time spent in each frontend pipeline stage',
      labelNames: ['stage'],
      buckets: FRONTEND_STAGE_BUCKETS,
    });
    this.tokenize = level.histogram({
      ...plain,
      name: 'dynamo_frontend_tokenize_seconds',
      help: 'Time spent tokenizing the prompt',
      labelNames: [],
      buckets: FRONTEND_STAGE_BUCKETS,
    });
    this.template = level.histogram({
      ...plain,
      name: 'dynamo_frontend_template_seconds',
      help: 'Time spent rendering the chat template',
      labelNames: [],
      buckets: FRONTEND_STAGE_BUCKETS,
    });
    this.detokenizeMicros = level.counter({
      ...plain,
      name: 'dynamo_frontend_detokenize_total_us',
      help: 'Total time spent detokenizing, in microseconds',
      labelNames: [],
    });
    this.detokenizeTokens = level.counter({
      ...plain,
      name: 'dynamo_frontend_detokenize_token_count',
      help: 'Total number of tokens detokenized',
      labelNames: [],
    });
  }

  /** Enters a stage: `stage_requests{stage,phase}` +1 now; `end()` −1 and observes the stage duration. */
  startStage(stage: FrontendStage, phase: FrontendPhase = ''): StageTimer {
    const gauge = this.stageRequests.labels(stage, phase);
    const duration = this.stageDuration.labels(stage);
    const started = this.#clock();
    const clock = this.#clock;
    gauge.inc();
    let ended = false;
    return {
      end() {
        if (ended) return;
        ended = true;
        gauge.dec();
        duration.observe((clock() - started) / 1000);
      },
    };
  }

  /** Runs `fn` (sync or async) as one stage. */
  async timeStage<T>(stage: FrontendStage, phase: FrontendPhase, fn: () => T | Promise<T>): Promise<T> {
    const timer = this.startStage(stage, phase);
    try {
      return await fn();
    } finally {
      timer.end();
    }
  }

  /** Runs `fn` and observes its duration in `dynamo_frontend_tokenize_seconds`; returns its result. */
  timeTokenize<T>(fn: () => T): T {
    return this.#timed(this.tokenize, fn);
  }

  /** Runs `fn` and observes its duration in `dynamo_frontend_template_seconds`; returns its result. */
  timeTemplate<T>(fn: () => T): T {
    return this.#timed(this.template, fn);
  }

  /** Detokenizing `tokens` tokens took `microseconds`. */
  detokenized(microseconds: number, tokens: number): void {
    if (Number.isFinite(microseconds) && microseconds >= 0) this.detokenizeMicros.inc(microseconds);
    if (Number.isFinite(tokens) && tokens >= 0) this.detokenizeTokens.inc(tokens);
  }

  /** Runs `fn` (synchronous: tokenizers are) and adds its time and `tokens` to the detokenize counters. */
  timeDetokenize<T>(tokens: number, fn: () => T): T {
    const started = this.#clock();
    try {
      return fn();
    } finally {
      this.detokenized((this.#clock() - started) * 1000, tokens);
    }
  }

  #timed<T>(histogram: Histogram, fn: () => T): T {
    const started = this.#clock();
    try {
      return fn();
    } finally {
      histogram.observe((this.#clock() - started) / 1000);
    }
  }
}

/** Creates Dynamo's frontend stage timings on `level` (normally the root). `clock`: monotonic ms (tests). */
export function createFrontendStageMetrics(
  level: MetricsLevel,
  options: { readonly clock?: Clock } = {},
): FrontendStageMetrics {
  return new FrontendStageMetrics(level, options.clock ?? monotonicClock);
}
