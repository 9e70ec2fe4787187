import { diag } from '@dynotel/core';
import { runOutsideRequests } from '@dynotel/core/internal';
import { type CanaryResult, sendCanary } from './canary.ts';
import type { Endpoint } from './endpoint-registry.ts';

export interface CanarySchedulerOptions {
  /** DYN_CANARY_WAIT_TIME in ms: idle time before a canary, and the period while idle. */
  readonly waitMs: number;
  /** DYN_HEALTH_CHECK_REQUEST_TIMEOUT in ms: timeout of one canary. */
  readonly requestTimeoutMs: number;
  /** Called after every canary (feeds a duration histogram). Exceptions are caught. */
  readonly onResult: ((result: CanaryResult) => void) | undefined;
}

/**
 * Canary scheduling. One timer per target; on firing it checks how long the endpoint has been idle and
 * either sends the canary or sleeps the rest of the wait. The canary's outcome sets the endpoint's
 * status. The request hot path never touches it (it only writes `lastActivity`).
 */
export class CanaryScheduler {
  readonly #options: CanarySchedulerOptions;
  #closed = false;

  constructor(options: CanarySchedulerOptions) {
    this.#options = options;
  }

  /** Arms the first canary of a target: one wait time from now, as in Dynamo. */
  start(endpoint: Endpoint): void {
    this.#schedule(endpoint, this.#options.waitMs);
  }

  /** Stops every timer of these endpoints; nothing is scheduled afterwards. */
  close(endpoints: Iterable<Endpoint>): void {
    this.#closed = true;
    for (const endpoint of endpoints) clearTimeout(endpoint.timer);
  }

  #schedule(endpoint: Endpoint, delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(endpoint.timer);
    // Armed outside any request (registerEndpoint may run inside one): canaries are background work.
    endpoint.timer = runOutsideRequests(setTimeout, () => this.#onTimer(endpoint), Math.max(1, delayMs));
    endpoint.timer.unref();
  }

  #onTimer(endpoint: Endpoint): void {
    endpoint.timer = undefined;
    if (this.#closed) return;
    const { waitMs } = this.#options;
    const idleMs = performance.now() - endpoint.lastActivity;
    // 1 ms of slack: timers and performance.now() round differently.
    if (idleMs + 1 < waitMs) {
      this.#schedule(endpoint, waitMs - idleMs);
      return;
    }
    const canary = endpoint.canary;
    if (canary === undefined) return;
    // The next timer is armed only after this canary settles, so a canary never overlaps itself.
    void sendCanary(endpoint.name, canary.handler, canary.payload, this.#options.requestTimeoutMs).then(
      (result) => {
        if (this.#closed) return;
        endpoint.setStatus(result.outcome === 'success' ? 'ready' : 'notready');
        endpoint.lastActivity = Math.max(endpoint.lastActivity, performance.now());
        this.#notify(result);
        this.#schedule(endpoint, waitMs);
      },
    );
  }

  #notify(result: CanaryResult): void {
    const onResult = this.#options.onResult;
    if (onResult === undefined) return;
    try {
      onResult(result);
    } catch (error) {
      diag.once('dynotel.health.onCanaryResult', {
        level: 'warn',
        target: 'dynotel.health',
        message: 'onCanaryResult threw; the canary continues (logged once)',
        fields: { error: error instanceof Error ? error.message : String(error) },
      });
    }
  }
}
