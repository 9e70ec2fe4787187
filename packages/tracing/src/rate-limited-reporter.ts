import { diag } from '@dynotel/core';

/**
 * Logs a recurring problem (a collector that keeps failing, a full queue) at most once per interval,
 * and says how many reports it swallowed in between, so a dead collector cannot flood the logs.
 */
export class RateLimitedReporter {
  readonly #target: string;
  readonly #intervalMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(target: string, intervalMs: number) {
    this.#target = target;
    this.#intervalMs = intervalMs;
  }

  warn(message: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return;
    }
    this.#lastAt = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    diag.warn(this.#target, message, suppressed > 0 ? { ...fields, suppressed } : fields);
  }
}
