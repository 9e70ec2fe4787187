import { type Clock, monotonicClock } from './clock.ts';

/** What one response chunk reports (Dynamo's `LLMMetricAnnotation`). */
export interface ResponseChunkMetrics {
  /** Prompt tokens (ISL) of the request. */
  readonly inputTokens: number;
  /** Tokens in this chunk. Chunks with 0 tokens only update `outputTokens` and `cachedTokens`. */
  readonly chunkTokens: number;
  /** Output tokens so far (cumulative); the last value seen is the OSL. Default: the running sum of `chunkTokens`. */
  readonly outputTokens?: number | undefined;
  /** Prompt tokens served from cache; recorded once per request, the first time it is present. */
  readonly cachedTokens?: number | undefined;
}

/** A histogram child as the tracker uses it. */
export interface ResponseTrackerObserver {
  observe(value: number): void;
}
/** A counter child as the tracker uses it. */
export interface ResponseTrackerIncrementer {
  inc(value: number): void;
}

/**
 * The metrics a tracker writes to, each labelled by `model` only. `FrontendMetrics` is one; each child is
 * resolved on first use and then cached, so a request that never produces a token adds no TTFT series.
 */
export interface ResponseTrackerMetrics {
  readonly timeToFirstToken: { labels(model: string): ResponseTrackerObserver };
  readonly interTokenLatency: { labels(model: string): ResponseTrackerObserver };
  readonly inputSequenceTokens: { labels(model: string): ResponseTrackerObserver };
  readonly outputSequenceTokens: { labels(model: string): ResponseTrackerObserver };
  readonly outputTokens: { labels(model: string): ResponseTrackerIncrementer };
  readonly cachedTokens: { labels(model: string): ResponseTrackerObserver };
}

export interface ResponseTrackerOptions {
  /** Monotonic clock in ms (tests). */
  readonly clock?: Clock;
  /** Called once, at the first chunk with tokens or at finish: releases the request's queued slot. */
  readonly onDequeue?: (() => void) | undefined;
}

/** Per-request values Dynamo writes onto the `http-request` span at collector drop (metrics.rs L1481-1498). */
export interface ResponseSummary {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Undefined when no token was produced. */
  readonly ttftMs: number | undefined;
  /** Mean inter-token latency in ms; undefined with fewer than two token-bearing chunks. */
  readonly avgItlMs: number | undefined;
}

/**
 * Dynamo's `ResponseMetricCollector` (lib/llm/src/http/service/metrics.rs L1257-1542):
 * - its creation time is the TTFT start;
 * - per chunk: the last `outputTokens` becomes the OSL, `cachedTokens` is observed once, and a chunk with
 *   `chunkTokens == 0` is otherwise ignored;
 * - a chunk with tokens adds them to `output_tokens_total` and releases the queued slot (once);
 * - the first chunk with tokens observes TTFT = now − start and the ISL; all its tokens count toward TTFT,
 *   none toward ITL;
 * - every later chunk with n tokens observes ITL = (now − previous chunk time) / n, n times;
 * - `finish()` (Dynamo: the collector drop) observes the OSL if it is above 0 and releases the queued slot
 *   if no token came. Later calls do nothing.
 */
export class ResponseTracker {
  readonly model: string;
  readonly #metrics: ResponseTrackerMetrics;
  #outputTokensChild: ResponseTrackerIncrementer | undefined;
  #itlChild: ResponseTrackerObserver | undefined;
  readonly #clock: Clock;
  readonly #startedAt: number;
  #onDequeue: (() => void) | undefined;
  #firstTokenAt: number | undefined;
  #lastChunkAt = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #summedChunkTokens = 0;
  #itlObservations = 0;
  #cachedObserved = false;
  #finished = false;

  constructor(metrics: ResponseTrackerMetrics, model: string, options: ResponseTrackerOptions = {}) {
    this.#metrics = metrics;
    this.model = model;
    this.#clock = options.clock ?? monotonicClock;
    this.#onDequeue = options.onDequeue;
    this.#startedAt = this.#clock();
  }

  /** Feeds one response chunk's metrics. Invalid numbers (negative, NaN, fractional) are ignored. */
  observe(chunk: ResponseChunkMetrics): void {
    if (this.#finished) return;
    const { chunkTokens, cachedTokens } = chunk;
    if (isCount(chunkTokens)) this.#summedChunkTokens += chunkTokens;
    if (chunk.outputTokens !== undefined) {
      if (isCount(chunk.outputTokens)) this.#outputTokens = chunk.outputTokens;
    } else {
      this.#outputTokens = this.#summedChunkTokens;
    }
    if (!this.#cachedObserved && cachedTokens !== undefined && isCount(cachedTokens)) {
      this.#cachedObserved = true;
      this.#metrics.cachedTokens.labels(this.model).observe(cachedTokens);
    }
    if (!isCount(chunkTokens) || chunkTokens === 0) return;
    this.#dequeue();
    this.#outputTokensChild ??= this.#metrics.outputTokens.labels(this.model);
    this.#outputTokensChild.inc(chunkTokens);
    const now = this.#clock();
    if (this.#firstTokenAt === undefined) {
      this.#firstTokenAt = now;
      this.#inputTokens = isCount(chunk.inputTokens) ? chunk.inputTokens : 0;
      this.#metrics.timeToFirstToken.labels(this.model).observe((now - this.#startedAt) / 1000);
      this.#metrics.inputSequenceTokens.labels(this.model).observe(this.#inputTokens);
    } else {
      const itlSeconds = (now - this.#lastChunkAt) / 1000 / chunkTokens;
      this.#itlChild ??= this.#metrics.interTokenLatency.labels(this.model);
      const histogram = this.#itlChild;
      for (let i = 0; i < chunkTokens; i++) histogram.observe(itlSeconds);
      this.#itlObservations += chunkTokens;
    }
    this.#lastChunkAt = now;
  }

  /** Dynamo's `observe_response(isl, num_tokens)` for callers without an annotation object. */
  observeResponse(inputTokens: number, chunkTokens: number): void {
    this.observe({ inputTokens, chunkTokens });
  }

  /** Ends the response: OSL observed if above 0, queued slot released if still held. Idempotent. */
  finish(): ResponseSummary {
    if (!this.#finished) {
      this.#finished = true;
      this.#dequeue();
      if (this.#outputTokens > 0)
        this.#metrics.outputSequenceTokens.labels(this.model).observe(this.#outputTokens);
    }
    return this.summary();
  }

  summary(): ResponseSummary {
    const first = this.#firstTokenAt;
    return {
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      ttftMs: first === undefined ? undefined : first - this.#startedAt,
      avgItlMs:
        first === undefined || this.#itlObservations === 0
          ? undefined
          : (this.#lastChunkAt - first) / this.#itlObservations,
    };
  }

  get finished(): boolean {
    return this.#finished;
  }

  #dequeue(): void {
    const release = this.#onDequeue;
    if (release === undefined) return;
    this.#onDequeue = undefined;
    release();
  }
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
