import type { Histogram } from '../instruments/metrics.ts';
import type { MetricsLevel } from '../registry/level.ts';

/** The header a frontend stamps on each request to a worker: wall-clock send time in ns (Dynamo's name). */
export const FRONTEND_SEND_TS_HEADER = 'x-frontend-send-ts-ns';

/** Buckets of `dynamo_work_handler_network_transit_seconds` (work_handler_perf.rs L17-29). */
export const NETWORK_TRANSIT_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
]);
/** Buckets of `dynamo_work_handler_time_to_first_response_seconds` (work_handler_perf.rs L31-43). */
export const TIME_TO_FIRST_RESPONSE_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** The current wall-clock time in ns since the epoch, the value a frontend puts in FRONTEND_SEND_TS_HEADER. */
export function wallClockNanos(): bigint {
  // timeOrigin + now() keeps sub-millisecond resolution; Date.now() alone would not.
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/**
 * Dynamo's work-handler timings (`lib/runtime/src/metrics/work_handler_perf.rs`), process-global
 * histograms without hierarchy labels, on a worker:
 * - `dynamo_work_handler_network_transit_seconds`: receive time minus the frontend's send timestamp
 *   (`x-frontend-send-ts-ns`; cross-process wall clocks, so only as good as their sync);
 * - `dynamo_work_handler_time_to_first_response_seconds`: from receiving the request to sending its
 *   first response.
 */
export class WorkHandlerMetrics {
  readonly networkTransit: Histogram;
  readonly timeToFirstResponse: Histogram;

  /** @internal Use createWorkHandlerMetrics(). */
  constructor(level: MetricsLevel) {
    const plain = { prefix: false, autoLabels: false, labelNames: [] } as const;
    this.networkTransit = level.histogram({
      ...plain,
      name: 'dynamo_work_handler_network_transit_seconds',
      help: 'Network transit time from frontend send to backend receive',
      buckets: NETWORK_TRANSIT_BUCKETS,
    });
    this.timeToFirstResponse = level.histogram({
      ...plain,
      name: 'dynamo_work_handler_time_to_first_response_seconds',
      help: 'Time from request receipt to the first response sent by the work handler',
      buckets: TIME_TO_FIRST_RESPONSE_BUCKETS,
    });
  }

  /**
   * Records the transit of a request whose FRONTEND_SEND_TS_HEADER value is `sentNanos` (the header's
   * text, or a number/bigint). A missing or malformed stamp, or one in the future (clock skew), is ignored
   * as Dynamo ignores it. Returns the seconds recorded, or undefined.
   */
  receivedFrom(
    sentNanos: string | number | bigint | undefined,
    nowNanos: bigint = wallClockNanos(),
  ): number | undefined {
    if (sentNanos === undefined) return undefined;
    let sent: bigint;
    try {
      sent =
        typeof sentNanos === 'bigint'
          ? sentNanos
          : BigInt(typeof sentNanos === 'number' ? Math.trunc(sentNanos) : sentNanos.trim());
    } catch {
      return undefined;
    }
    if (sent <= 0n || sent > nowNanos) return undefined;
    const seconds = Number(nowNanos - sent) / 1e9;
    this.networkTransit.observe(seconds);
    return seconds;
  }

  /** The first response of a request received `seconds` ago was sent. */
  firstResponse(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.timeToFirstResponse.observe(seconds);
  }
}

/** Creates the work-handler timings on `level` (the root: they carry no hierarchy labels). */
export function createWorkHandlerMetrics(level: MetricsLevel): WorkHandlerMetrics {
  return new WorkHandlerMetrics(level);
}
